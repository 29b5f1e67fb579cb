import { describe, expect, it } from 'vitest';

import { VobizClient } from '../../../src/vobiz/client.ts';

const baseUrl = 'http://127.0.0.1:1';
const token = 'tok3n-that-must-stay-secret';

function constructionError(options: { authId: string; authToken: string }): Error {
  try {
    new VobizClient({ baseUrl, ...options });
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the constructor to throw');
}

describe('VobizClient options', () => {
  it.each([
    ['a trailing newline', `${token}\n`],
    ['a carriage return', `${token}\r\n`],
    ['a leading space', ` ${token}`],
    ['a trailing tab', `${token}\t`],
    ['a control character', `tok\u00003n`],
    ['a character outside Latin-1', `${token}\u2603`],
  ])('rejects an auth token with %s', (_case, authToken) => {
    const error = constructionError({ authId: 'MA_ACME1', authToken });

    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('auth token');
    expect(error.message).not.toContain('tok3n');
  });

  it('hides a rejected auth id', () => {
    const error = constructionError({ authId: token, authToken: 'MA_ACME1' });

    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('auth id');
    expect(error.message).not.toContain('tok3n');
  });

  it('accepts a token of printable characters', async () => {
    const client = new VobizClient({ baseUrl, authId: 'MA_ACME1', authToken: 'a1B2-c3_d4.e5~f6+g7/h8=' });
    expect(client.authId).toBe('MA_ACME1');
    await client.close();
  });
});
