import { HPCRequestError } from '../../api/client';
import { checkHandshake, sameSeries } from '../../client/handshake';
import { VERSION } from '../../version';
import * as fakes from '../fakes';

import pkg from '../../../package.json';

describe('version handshake', () => {
  it('keeps the frontend version equal to package.json', () => {
    expect(VERSION).toBe(pkg.version);
  });

  it('accepts a server of the same major.minor', () => {
    const info = { ...fakes.info(), version: '0.1.7' };
    expect(checkHandshake('0.1.0', info)).toEqual({ ok: true, info });
  });

  it('warns about a server of another series', () => {
    const result = checkHandshake('0.2.0', {
      ...fakes.info(),
      version: '0.1.0'
    });
    expect(result).toEqual({
      ok: false,
      level: 'warning',
      problem: { kind: 'mismatch', server: '0.1.0', frontend: '0.2.0' }
    });
  });

  it('says the server extension is missing on a 404', () => {
    const error = new HPCRequestError({ status: 404, message: 'x', url: 'u' });
    const result = checkHandshake('0.1.0', error);
    expect(result).toEqual({
      ok: false,
      level: 'error',
      problem: { kind: 'missing' }
    });
  });

  it('passes the message of other failures on', () => {
    const error = new HPCRequestError({
      status: 500,
      message: 'boom',
      url: 'u'
    });
    expect(checkHandshake('0.1.0', error)).toEqual({
      ok: false,
      level: 'error',
      problem: { kind: 'failed', message: 'boom' }
    });
  });

  it('compares series, not patch levels', () => {
    expect(sameSeries('1.2.3', '1.2.0')).toBe(true);
    expect(sameSeries('1.2.3', '1.3.3')).toBe(false);
    expect(sameSeries('1.2.3', '2.2.3')).toBe(false);
  });
});
