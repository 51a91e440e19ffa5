// Error messages quote the values they are about; a huge value must not make a huge message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyCommand } from '@aws-sdk/client-iot';
import { startTestServer } from './helpers/server.js';
import { rawRequest, assertAwsError, sigv4Header } from './helpers/raw-http.js';

test('an error message quoting a value of a megabyte is cut at 64 KiB', async () => {
  const server = await startTestServer('sqlite');
  try {
    await server.iot().send(new CreatePolicyCommand({ policyName: 'p', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }) }));
    const target = `arn:aws:iot:us-east-1:123456789012:cert/${'a'.repeat(900_000)}`;
    const res = await rawRequest(server.url, {
      method: 'PUT',
      path: '/target-policies/p',
      headers: { 'content-type': 'application/json', authorization: sigv4Header('123456789012', 'us-east-1') },
      body: JSON.stringify({ target }),
    });
    const message = assertAwsError(res, 'ResourceNotFoundException', 404);
    assert.ok(message.length < 70_000, `${message.length} characters`);
    assert.match(message, /… \(\d+ more characters\)$/);
  } finally {
    await server.close();
  }
});
