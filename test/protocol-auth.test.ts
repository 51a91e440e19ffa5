// The Authorization header: how a SigV4 header (or its absence) picks the caller's account and region, and which
// headers are refused. Parsed directly, without a server.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthorization, resolveCaller } from '../src/protocol/auth.js';
import { errorStatus } from '../src/protocol/error-status.js';

describe('Authorization header parsing', () => {
  test('the parsed header is kept whole on the caller for a later strict verifier', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=111122223333/20240102/eu-west-1/execute-api/aws4_request, ' +
      'SignedHeaders=content-type;host;x-amz-date, Signature=' + 'ab'.repeat(32);
    const caller = resolveCaller(header, 'us-east-1');
    assert.equal(caller.accountId, '111122223333');
    assert.equal(caller.region, 'eu-west-1');
    assert.deepEqual(caller.sigv4, {
      accessKeyId: '111122223333',
      date: '20240102',
      region: 'eu-west-1',
      service: 'execute-api',
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      signature: 'ab'.repeat(32),
    });
    assert.equal(resolveCaller(undefined, 'ap-south-1').sigv4, undefined);
    assert.deepEqual(
      { ...resolveCaller(undefined, 'ap-south-1') },
      { accountId: '000000000000', region: 'ap-south-1' },
    );
  });

  test('unparseable headers are IncompleteSignatureException', () => {
    for (const bad of [
      'Basic dXNlcjpwYXNz',
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc',
      'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iot, SignedHeaders=host, Signature=abc',
      'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iot/aws4_request, Signature=abc',
      'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iot/aws4_request, SignedHeaders=host',
    ]) {
      assert.throws(() => parseAuthorization(bad), (e: any) => e.code === 'IncompleteSignatureException' && errorStatus(e.code) === 403, bad);
    }
  });
});
