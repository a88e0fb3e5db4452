/** Waiting on emitter events with a timeout, so tests synchronise on what happened, not on the clock. */
import type { EventEmitter } from 'node:events';

export function nextEvent<T>(
  emitter: EventEmitter,
  name: string,
  predicate: (v: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (v: T): void => {
      if (!predicate(v)) return;
      clearTimeout(timer);
      emitter.off(name, on);
      resolve(v);
    };
    const timer = setTimeout(() => {
      emitter.off(name, on);
      reject(new Error(`timed out waiting for '${name}'`));
    }, timeoutMs);
    emitter.on(name, on);
  });
}

/** Collect `n` events of `name`. */
export function collect<T>(emitter: EventEmitter, name: string, n: number, timeoutMs = 5000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const on = (v: T): void => {
      got.push(v);
      if (got.length === n) {
        clearTimeout(timer);
        emitter.off(name, on);
        resolve(got);
      }
    };
    const timer = setTimeout(() => {
      emitter.off(name, on);
      reject(new Error(`timed out: got ${got.length}/${n} '${name}' events`));
    }, timeoutMs);
    emitter.on(name, on);
  });
}
