/**
 * Reconnection bookkeeping shared by device drivers: back-off between attempts, one pending attempt
 * at a time, and reporting a repeated failure only once.
 */
import { Backoff, type ReconnectOptions } from './backoff.js';

export class Reconnector {
  private readonly backoff: Backoff | null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastFailureCode: string | null = null;

  /** `option`: true (default back-off), false (never reconnect) or back-off settings. */
  constructor(option: boolean | ReconnectOptions | undefined, private readonly attempt: () => void) {
    const rc = option ?? true;
    this.backoff = rc === false ? null : new Backoff(rc === true ? {} : rc);
  }

  /** Records a failure; true when it differs from the last one, so the caller reports it once. */
  noteFailure(code: string): boolean {
    const isNew = code !== this.lastFailureCode;
    this.lastFailureCode = code;
    return isNew;
  }

  /** The device is open again: the next failure is new and the back-off starts over. */
  succeeded(): void {
    this.backoff?.reset();
    this.lastFailureCode = null;
  }

  /** Schedules the next attempt; false when reconnecting is off or an attempt is already due. */
  schedule(): boolean {
    if (!this.backoff || this.timer) return false;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.attempt();
    }, this.backoff.next());
    return true;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
