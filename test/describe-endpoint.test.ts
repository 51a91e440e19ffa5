// DescribeEndpoint answers the address the client reached ddlocal through, for every endpoint type AWS documents
// (docs/decisions.md#w22), and refuses any other type as AWS does. Driven by the AWS SDK, the AWS CLI v2 and raw HTTP.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeEndpointCommand, type IoTClient } from '@aws-sdk/client-iot';
import { forEachStore, errorOf, iotClient, type TestServer } from './helpers/server.js';
import { awsCli } from './helpers/aws-cli.js';
import { rawRequest, rawSocket, assertAwsError } from './helpers/raw-http.js';

const ENDPOINT_TYPES = ['iot:Data', 'iot:Data-ATS', 'iot:CredentialProvider', 'iot:Jobs'];

forEachStore('DescribeEndpoint', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  let authority: string;
  before(() => {
    ({ server, iot } = suite);
    authority = new URL(server.url).host;
  });

  test('every documented endpoint type, and none, answers the host and port the client used', async () => {
    assert.match(authority, /^127\.0\.0\.1:\d+$/);
    for (const endpointType of ENDPOINT_TYPES) {
      const out = await iot.send(new DescribeEndpointCommand({ endpointType }));
      assert.equal(out.endpointAddress, authority, endpointType);
    }
    const none = await iot.send(new DescribeEndpointCommand({}));
    assert.equal(none.endpointAddress, authority);
  });

  test('the answer follows the Host the request was addressed to', async () => {
    const port = new URL(server.url).port;
    const viaLocalhost = await iotClient(`http://localhost:${port}`).send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    assert.equal(viaLocalhost.endpointAddress, `localhost:${port}`);
    const raw = await rawRequest(server.url, {
      path: '/endpoint?endpointType=iot%3AJobs',
      headers: { host: 'LocalHost.:' + port },
    });
    assert.equal(raw.status, 200);
    assert.deepEqual(raw.json, { endpointAddress: `LocalHost.:${port}` });
  });

  test('an HTTP/1.0 request without Host gets the address of the socket it arrived on', async () => {
    const port = Number(new URL(server.url).port);
    const res = await rawSocket(port, 'GET /endpoint?endpointType=iot%3AData-ATS HTTP/1.0\r\n\r\n');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { endpointAddress: `127.0.0.1:${port}` });
  });

  test('an unknown endpoint type is InvalidRequestException naming it and the valid types', async () => {
    for (const endpointType of ['iot:data-ats', 'iot:DeviceAdvisor', '', 'x'.repeat(128)]) {
      const err = await errorOf(() => iot.send(new DescribeEndpointCommand({ endpointType })));
      assert.equal(err.name, 'InvalidRequestException', endpointType);
      assert.equal(err.$metadata?.httpStatusCode, 400);
      assert.equal(
        err.message,
        `Endpoint type ${JSON.stringify(endpointType)} not recognized; valid endpoint types are iot:Data, iot:Data-ATS, iot:CredentialProvider, iot:Jobs`,
      );
    }
    // Longer than the model's 128 characters: refused by validation before the handler.
    const tooLong = await rawRequest(server.url, { path: `/endpoint?endpointType=${'y'.repeat(129)}` });
    assertAwsError(tooLong, 'InvalidRequestException', 400);
  });

  test('aws iot describe-endpoint (AWS CLI v2)', async () => {
    const r = await awsCli(server.url, ['iot', 'describe-endpoint', '--endpoint-type', 'iot:Data-ATS']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.json, { endpointAddress: authority });
    const bad = await awsCli(server.url, ['iot', 'describe-endpoint', '--endpoint-type', 'iot:Nope']);
    assert.equal(bad.status, 254);
    assert.match(bad.stderr, /InvalidRequestException.*Endpoint type "iot:Nope" not recognized/);
  });
});
