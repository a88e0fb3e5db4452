/**
 * vitest globalSetup: before any test file runs, check the system tools that this run's test
 * files need (see ./system-tools.ts). A missing tool ends the run at once, with one message saying
 * what to install (exit status 1), instead of failing test after test on time-outs.
 */
import type { TestProject } from 'vitest/node';
import { missingSystemToolsMessage } from './system-tools.js';

export default async function setup(project: TestProject): Promise<void> {
  // The file filters given on the command line (`vitest run test/marking`); none means every file.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  const { testFiles } = await project.globTestFiles(filters);
  const message = missingSystemToolsMessage(testFiles, project.config.root);
  if (message === null) return;
  // Thrown, vitest would bury this under "No test files found": say it plainly and stop.
  process.stderr.write(`\n${message}\n\n`);
  process.exit(1);
}
