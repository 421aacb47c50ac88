/**
 * Waiting in the jest tests: for a condition, never for a length of time.
 *
 * Fake clients answer through promises, Lumino posts widget updates to its
 * message loop and React renders in its scheduler's own turns: how many turns
 * of the event loop that takes depends on how busy the machine is. So a test
 * waits until what it checks holds, with a deadline only a broken test meets.
 */
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { ReactWidget } from '@jupyterlab/ui-components';

// Taken at import, before a test may install jest's fake timers: the waits
// below run on real time whatever the code under test sees.
const realSetTimeout = globalThis.setTimeout;
const realNow = Date.now;

/** Far beyond what a healthy test needs, and below jest's testTimeout. */
export const DEADLINE_MS = 30_000;

/**
 * One turn of the event loop: promises already resolved (a fake client's
 * answers, and what they chain) have run. Not a wait for rendering: use
 * `rendered` or `waitFor` for that.
 */
export function flush(): Promise<void> {
  return new Promise(resolve => realSetTimeout(resolve, 0));
}

/**
 * Resolve once `check` passes: it returns without throwing, and not `false`.
 * It runs now and again after each turn of the event loop; at the deadline,
 * reject with its last failure (an `expect`'s own message).
 */
export async function waitFor(
  check: () => unknown,
  timeoutMs = DEADLINE_MS
): Promise<void> {
  const deadline = realNow() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      if (check() !== false) {
        return;
      }
      failure = new Error(`still false after ${timeoutMs} ms: ${check}`);
    } catch (error) {
      failure = error;
    }
    if (realNow() > deadline) {
      throw failure;
    }
    await new Promise(resolve => realSetTimeout(resolve, 10));
  }
}

/** Render `widget` now, and resolve once React has drawn it. */
export async function rendered(widget: ReactWidget): Promise<void> {
  MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  await widget.renderPromise;
}

/**
 * A few turns of the event loop, for the apps specs not yet moved to
 * `waitFor` (each `await settle()` there still asserts after a fixed number of
 * 20 ms turns). New tests: wait for what you check, with `waitFor`.
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise(resolve => realSetTimeout(resolve, 20));
  }
}
