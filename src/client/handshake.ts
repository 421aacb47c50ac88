import { HPCRequestError } from '../api/client';
import { IInfo } from '../api/types';

/** What the version handshake found. */
export type HandshakeResult =
  | { ok: true; info: IInfo }
  | { ok: false; level: 'error' | 'warning'; problem: HandshakeProblem };

/** The problems the handshake can report, each with its own message. */
export type HandshakeProblem =
  | { kind: 'missing' }
  | { kind: 'mismatch'; server: string; frontend: string }
  | { kind: 'failed'; message: string };

/**
 * Compare the frontend version with the server extension's answer to `GET info`.
 *
 * Versions must agree on major.minor: the HTTP API only changes with those.
 */
export function checkHandshake(
  frontendVersion: string,
  answer: IInfo | unknown
): HandshakeResult {
  if (answer instanceof HPCRequestError) {
    if (answer.status === 404) {
      return { ok: false, level: 'error', problem: { kind: 'missing' } };
    }
    return {
      ok: false,
      level: 'error',
      problem: { kind: 'failed', message: answer.message }
    };
  }
  if (answer instanceof Error) {
    return {
      ok: false,
      level: 'error',
      problem: { kind: 'failed', message: answer.message }
    };
  }
  const info = answer as IInfo;
  if (!sameSeries(frontendVersion, info.version)) {
    return {
      ok: false,
      level: 'warning',
      problem: {
        kind: 'mismatch',
        server: info.version,
        frontend: frontendVersion
      }
    };
  }
  return { ok: true, info };
}

/** Whether two versions share major and minor (`0.1.0` and `0.1.3` do). */
export function sameSeries(a: string, b: string): boolean {
  const series = (v: string) => String(v).split('.').slice(0, 2).join('.');
  return series(a) === series(b);
}
