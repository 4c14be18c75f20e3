import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretKeyMatcher } from '../../lib/core/secret-keys.js';
import { safeStringify } from '../../lib/core/serialize.js';
import { redactQuery } from '../../lib/interceptors/http-exchange.js';

const defaults = secretKeyMatcher([]);

describe('secret keys', () => {
  it('knows the common secret names in any spelling', () => {
    const secrets = [
      'apiKey', 'x-api-key', 'API_KEY', 'password', 'passwd', 'Authorization', 'accessToken', 'refresh_token', 'csrf-token',
      'client_secret', 'cookie', 'Set-Cookie', 'privateKey', 'credentials', 'aws_access_key',
      // The larger default list: Google API keys, OAuth codes, and the rest.
      'key', 'code', 'auth', 'jwt', 'id_jwt', 'session_id', 'sessionid', 'JSESSIONID', 'PHPSESSID', 'pass', 'passcode',
      'SAMLResponse', 'otp',
    ];
    for (const key of secrets) assert.equal(defaults(key), true, key);
  });

  it('leaves alone keys that only contain a short secret word', () => {
    for (const key of ['max_tokens', 'tokens', 'zipcode', 'statusCode', 'monkey', 'keyword', 'keys', 'bypass', 'compass', 'author', 'page', 'model']) {
      assert.equal(defaults(key), false, key);
    }
  });

  it('understands bracket and dot notation: any segment can be the secret', () => {
    for (const key of ['token[]', 'api_key[0]', 'user[token]', 'user[password][confirm]', 'auth.jwt', 'oauth[code]', 'key[]']) {
      assert.equal(defaults(key), true, key);
    }
    for (const key of ['user[name]', 'items[0]', 'filter.model']) assert.equal(defaults(key), false, key);
  });

  it('adds keys, exact or as endings (*), and can replace the built-in list', () => {
    const extra = secretKeyMatcher(['ssn', '*pin']);
    assert.equal(extra('SSN'), true);
    assert.equal(extra('user_ssn'), false, 'an entry without * matches whole segments');
    assert.equal(extra('card_pin'), true);
    assert.equal(extra('password'), true, 'the defaults stay');
    const only = secretKeyMatcher(['ssn'], false);
    assert.equal(only('ssn'), true);
    assert.equal(only('password'), false, 'replaced');
  });

  it('redacts the same keys in captured content', () => {
    const json = safeStringify({ code: 'oauth-code', zipcode: '75001', 'user[token]': 't', max_tokens: 9 }, 4096, defaults);
    assert.deepEqual(JSON.parse(json), { code: '[REDACTED]', zipcode: '75001', 'user[token]': '[REDACTED]', max_tokens: 9 });
  });
});

describe('redactQuery', () => {
  const redact = (query: string) => redactQuery(query, defaults);

  it('redacts values of secret parameters and keeps everything else as sent', () => {
    assert.equal(redact('q=cats&page=2&api_key=abc&Token=x'), 'q=cats&page=2&api_key=REDACTED&Token=REDACTED');
    assert.equal(redact('state=s1&code=X'), 'state=s1&code=REDACTED');
    assert.equal(redact('key=AIza123&SAMLResponse=PHNhbWw%2B&otp=123456&jwt=e.y.j'), 'key=REDACTED&SAMLResponse=REDACTED&otp=REDACTED&jwt=REDACTED');
    assert.equal(redact('session_id=1&sessionid=2&pass=3&auth=4'), 'session_id=REDACTED&sessionid=REDACTED&pass=REDACTED&auth=REDACTED');
  });

  it('reads keys as a query parser does: brackets, percent-escapes, plus signs', () => {
    assert.equal(redact('token[]=a&token[]=b'), 'token[]=REDACTED&token[]=REDACTED');
    assert.equal(redact('api_key[0]=a&user[token]=b&user[name]=c'), 'api_key[0]=REDACTED&user[token]=REDACTED&user[name]=c');
    assert.equal(redact('user%5Btoken%5D=b'), 'user%5Btoken%5D=REDACTED');
    assert.equal(redact('token%00=a&token+=b&%74oken=c&token%20=d'), 'token%00=REDACTED&token+=REDACTED&%74oken=REDACTED&token%20=REDACTED');
  });

  it('always redacts the signature parameters the semantic conventions name', () => {
    const none = secretKeyMatcher([], false);
    assert.equal(redactQuery('AWSAccessKeyId=a&Signature=b&sig=c&X-Goog-Signature=d&q=1', none), 'AWSAccessKeyId=REDACTED&Signature=REDACTED&sig=REDACTED&X-Goog-Signature=REDACTED&q=1');
  });
});
