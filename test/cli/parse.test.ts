import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const GS = '\x1d';

describe('tanba parse', () => {
  it('reads one JSON string per line and writes one ParseResult per line, in order', async () => {
    const inputs = [
      `010460043993125621JgXJ5.T${GS}8005112000${GS}930927`,
      '04780101164394TF&csaNNW1kK0tL',
      '04603721009458',
      `]d2010487021676000721qKkdi+S93U3g5\r\n`,
    ];
    const { code, stdout } = await runCli(['parse', '--country', 'UZ'], inputs.map((s) => JSON.stringify(s)).join('\n') + '\n');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ ok: true, km: inputs[0], mrp: 112000, productGroup: 'tobacco' });
    expect(lines[1]).toMatchObject({ ok: true, mrp: null, serial: 'TF&csaN' }); // --country UZ
    expect(lines[2]).toMatchObject({ ok: false, error: { code: 'bad-check-digit' } });
    expect(lines[3]).toMatchObject({ ok: true, productGroup: 'beer', repairs: ['crlf-stripped', 'aim-prefix', 'gs-restored'] });
  });

  it('takes --gs-substitute, and parses a line that is not JSON as raw text', async () => {
    const { stdout } = await runCli(['parse', '--gs-substitute', '^'], '010460043993125621JgXJ5.T^8005112000^930927\n"not json\n');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ ok: true, repairs: ['gs-substitute'] });
    expect(lines[1]).toMatchObject({ ok: false });
  });

  it('refuses an unknown country with a clear message and exit code 1', async () => {
    const { code, stderr } = await runCli(['parse', '--country', 'XX'], '');
    expect(code).toBe(1);
    expect(stderr).toContain('--country must be KZ, RU or UZ');
  });
});
