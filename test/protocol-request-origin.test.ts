// The Host / Origin / Sec-Fetch-Site check of the front door (src/protocol/request-origin.ts), called directly with
// header sets as node:http gives them: which requests pass, which are refused with which exception and message, and
// how the allow-lists and the listening address widen what passes (docs/decisions.md#w18, docs/decisions.md#w19).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkRequestOrigin,
  isLoopbackAddress,
  parseHostAllowance,
  parseOriginAllowance,
  requestOriginPolicy,
  type RequestHeaders,
  type RequestOriginPolicy,
} from '../src/protocol/request-origin.js';
import { errorStatus } from '../src/protocol/error-status.js';

const LOOPBACK_ONLY = requestOriginPolicy();
const CONFIGURED = requestOriginPolicy({
  allowedHosts: ['ddlocal.internal', '10.0.0.5:4580', 'fd00::1'],
  allowedOrigins: ['http://localhost:3000', 'https://Dash.Example/'],
  listenHost: '192.168.1.20',
});
const ON_EVERY_INTERFACE = requestOriginPolicy({ listenHost: '0.0.0.0' });
const ON_EVERY_IPV6_INTERFACE = requestOriginPolicy({ listenHost: '::' });

/** What the check should answer: served, or refused with this exception (status) and a message matching `says`. */
type Expected = 'served' | { code: 'AccessDeniedException' | 'InvalidRequestException'; says: RegExp };

interface Case {
  name: string;
  headers: RequestHeaders;
  httpVersion?: string;
  policy?: RequestOriginPolicy;
  expect: Expected;
}

const hostRefused = (value: string): Expected => ({
  code: 'AccessDeniedException',
  says: new RegExp(
    `^The Host header '${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' names neither a loopback host nor an allowed one: .*DDLOCAL_ALLOWED_HOSTS \\(--allowed-host\\)`,
  ),
});
const originRefused = (value: string): Expected => ({
  code: 'AccessDeniedException',
  says: new RegExp(`^The Origin header '${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' is neither ddlocal's own origin.*DDLOCAL_ALLOWED_ORIGINS \\(--allowed-origin\\)`),
});
const siteRefused = (value: string): Expected => ({
  code: 'AccessDeniedException',
  says: new RegExp(`^The Sec-Fetch-Site header '${value}' says a web page of another site .*DDLOCAL_ALLOWED_ORIGINS \\(--allowed-origin\\)`),
});
const malformed = (says: RegExp): Expected => ({ code: 'InvalidRequestException', says });

const CASES: Case[] = [
  // Loopback names and addresses, any port, any case, with the fully qualified trailing dot.
  { name: 'localhost', headers: { host: ['localhost'] }, expect: 'served' },
  { name: 'localhost with port', headers: { host: ['localhost:4580'] }, expect: 'served' },
  { name: 'upper-case localhost', headers: { host: ['LOCALHOST:4580'] }, expect: 'served' },
  { name: 'localhost with a trailing dot', headers: { host: ['localhost.'] }, expect: 'served' },
  { name: 'localhost with a trailing dot and port', headers: { host: ['localhost.:4580'] }, expect: 'served' },
  { name: 'a subdomain of localhost', headers: { host: ['api.Localhost:4580'] }, expect: 'served' },
  { name: 'an empty port', headers: { host: ['localhost:'] }, expect: 'served' },
  { name: '127.0.0.1 with port', headers: { host: ['127.0.0.1:4580'] }, expect: 'served' },
  { name: 'the top of 127.0.0.0/8', headers: { host: ['127.255.255.254'] }, expect: 'served' },
  { name: 'a short IPv4 form of loopback', headers: { host: ['127.1:4580'] }, expect: 'served' },
  { name: '[::1] with port', headers: { host: ['[::1]:4580'] }, expect: 'served' },
  { name: '[::1] written out in full', headers: { host: ['[0:0:0:0:0:0:0:1]'] }, expect: 'served' },
  { name: 'HTTP/1.0 without Host', headers: {}, httpVersion: '1.0', expect: 'served' },
  // Foreign hosts: DNS rebinding and look-alikes.
  { name: 'a rebound name', headers: { host: ['evil.example:4580'] }, expect: hostRefused('evil.example:4580') },
  { name: 'localhost as a subdomain of another name', headers: { host: ['localhost.evil.example'] }, expect: hostRefused('localhost.evil.example') },
  { name: 'a name that only ends in localhost', headers: { host: ['evillocalhost:4580'] }, expect: hostRefused('evillocalhost:4580') },
  { name: 'a name that starts like 127.0.0.1', headers: { host: ['127.0.0.1.evil.example:4580'] }, expect: hostRefused('127.0.0.1.evil.example:4580') },
  { name: 'an address just outside 127.0.0.0/8', headers: { host: ['128.0.0.1'] }, expect: hostRefused('128.0.0.1') },
  { name: 'the wildcard address', headers: { host: ['0.0.0.0:4580'] }, expect: hostRefused('0.0.0.0:4580') },
  { name: 'another IPv6 address', headers: { host: ['[::2]:4580'] }, expect: hostRefused('[::2]:4580') },
  { name: 'IPv4-mapped loopback is not [::1]', headers: { host: ['[::ffff:127.0.0.1]'] }, expect: hostRefused('[::ffff:127.0.0.1]') },
  { name: 'an address ddlocal does not listen on', headers: { host: ['192.168.1.20:4580'] }, expect: hostRefused('192.168.1.20:4580') },
  // Missing, repeated and malformed Host headers.
  { name: 'HTTP/1.1 without Host', headers: {}, expect: malformed(/^The request has no Host header, which HTTP\/1\.1 requires$/) },
  { name: 'an empty Host list', headers: { host: [] }, expect: malformed(/no Host header/) },
  { name: 'two Host headers', headers: { host: ['localhost', 'evil.example'] }, expect: malformed(/^The request has more than one Host header$/) },
  { name: 'user info in Host', headers: { host: ['evil@127.0.0.1'] }, expect: malformed(/^The Host header 'evil@127\.0\.0\.1' is not a host name or address/) },
  { name: 'a port over 65535', headers: { host: ['127.0.0.1:65536'] }, expect: malformed(/'127\.0\.0\.1:65536' is not a host name/) },
  { name: 'a space in Host', headers: { host: ['local host'] }, expect: malformed(/is not a host name/) },
  { name: 'an empty Host', headers: { host: [''] }, expect: malformed(/^The Host header '' is not a host name/) },
  { name: 'a bare IPv6 address in Host', headers: { host: ['::1'] }, expect: malformed(/is not a host name/) },
  { name: 'a path in Host', headers: { host: ['127.0.0.1/x'] }, expect: malformed(/is not a host name/) },
  // The allow-list of hosts and the listening address.
  { name: 'an allowed host on any port', headers: { host: ['ddlocal.internal:9999'] }, policy: CONFIGURED, expect: 'served' },
  { name: 'an allowed host in upper case with a trailing dot', headers: { host: ['DDLOCAL.Internal.'] }, policy: CONFIGURED, expect: 'served' },
  { name: 'an allowed host:port', headers: { host: ['10.0.0.5:4580'] }, policy: CONFIGURED, expect: 'served' },
  { name: 'an allowed host on another port', headers: { host: ['10.0.0.5:4581'] }, policy: CONFIGURED, expect: hostRefused('10.0.0.5:4581') },
  { name: 'an allowed host:port without port means 80', headers: { host: ['10.0.0.5'] }, policy: CONFIGURED, expect: hostRefused('10.0.0.5') },
  { name: 'an allowed IPv6 address written another way', headers: { host: ['[FD00:0:0::1]:4580'] }, policy: CONFIGURED, expect: 'served' },
  { name: 'a subdomain of an allowed host', headers: { host: ['x.ddlocal.internal'] }, policy: CONFIGURED, expect: hostRefused('x.ddlocal.internal') },
  { name: 'the listening address', headers: { host: ['192.168.1.20:4580'] }, policy: CONFIGURED, expect: 'served' },
  { name: 'loopback still, with allow-lists', headers: { host: ['127.0.0.1:4580'] }, policy: CONFIGURED, expect: 'served' },
  { name: 'listening on 0.0.0.0 allows no extra host', headers: { host: ['0.0.0.0:4580'] }, policy: ON_EVERY_INTERFACE, expect: hostRefused('0.0.0.0:4580') },
  { name: 'listening on :: allows no extra host', headers: { host: ['[::]:4580'] }, policy: ON_EVERY_IPV6_INTERFACE, expect: hostRefused('[::]:4580') },
  // Origin: ddlocal's own origin passes, any other is refused.
  { name: 'same origin', headers: { host: ['localhost:4580'], origin: ['http://localhost:4580'] }, expect: 'served' },
  { name: 'same origin in another case', headers: { host: ['localhost:4580'], origin: ['http://LOCALHOST:4580'] }, expect: 'served' },
  { name: 'same origin, default port written in Origin', headers: { host: ['localhost'], origin: ['http://localhost:80'] }, expect: 'served' },
  { name: 'same origin, IPv6', headers: { host: ['[::1]:4580'], origin: ['http://[::1]:4580'], 'sec-fetch-site': ['same-origin'] }, expect: 'served' },
  { name: 'another port of localhost', headers: { host: ['localhost:4580'], origin: ['http://localhost:4581'] }, expect: originRefused('http://localhost:4581') },
  { name: 'another scheme', headers: { host: ['localhost:4580'], origin: ['https://localhost:4580'] }, expect: originRefused('https://localhost:4580') },
  { name: 'another loopback name', headers: { host: ['localhost:4580'], origin: ['http://127.0.0.1:4580'] }, expect: originRefused('http://127.0.0.1:4580') },
  { name: 'Origin: null (sandboxed page, redirect, file:)', headers: { host: ['127.0.0.1:4580'], origin: ['null'] }, expect: originRefused('null') },
  { name: 'an Origin with a path', headers: { host: ['localhost:4580'], origin: ['http://localhost:4580/x'] }, expect: originRefused('http://localhost:4580/x') },
  { name: 'an extension origin', headers: { host: ['localhost:4580'], origin: ['chrome-extension://abcdef'] }, expect: originRefused('chrome-extension://abcdef') },
  { name: 'a foreign site', headers: { host: ['127.0.0.1:4580'], origin: ['https://evil.example'], 'sec-fetch-site': ['cross-site'] }, expect: originRefused('https://evil.example') },
  { name: 'two Origin headers', headers: { host: ['localhost:4580'], origin: ['http://localhost:4580', 'http://evil.example'] }, expect: malformed(/^The request has more than one Origin header$/) },
  { name: 'Host is checked first', headers: { host: ['evil.example:4580'], origin: ['http://evil.example:4580'] }, expect: hostRefused('evil.example:4580') },
  { name: 'Origin without Host (HTTP/1.0)', headers: { origin: ['http://localhost:4580'] }, httpVersion: '1.0', expect: originRefused('http://localhost:4580') },
  // The allow-list of origins.
  { name: 'an allowed origin', headers: { host: ['localhost:4580'], origin: ['http://localhost:3000'], 'sec-fetch-site': ['same-site'] }, policy: CONFIGURED, expect: 'served' },
  { name: 'an allowed https origin, cross-site', headers: { host: ['ddlocal.internal'], origin: ['https://dash.example'], 'sec-fetch-site': ['cross-site'] }, policy: CONFIGURED, expect: 'served' },
  { name: 'an allowed origin with its default port written', headers: { host: ['localhost:4580'], origin: ['https://dash.example:443'] }, policy: CONFIGURED, expect: 'served' },
  { name: 'not the allowed origin: another port', headers: { host: ['localhost:4580'], origin: ['http://localhost:3001'] }, policy: CONFIGURED, expect: originRefused('http://localhost:3001') },
  // Sec-Fetch-Site without an Origin (navigations, no-cors GETs).
  { name: 'cross-site without Origin', headers: { host: ['localhost:4580'], 'sec-fetch-site': ['cross-site'] }, expect: siteRefused('cross-site') },
  { name: 'same-site without Origin', headers: { host: ['localhost:4580'], 'sec-fetch-site': ['same-site'] }, expect: siteRefused('same-site') },
  { name: 'cross-site in upper case', headers: { host: ['localhost:4580'], 'sec-fetch-site': ['CROSS-SITE'] }, expect: siteRefused('cross-site') },
  { name: 'own Origin yet cross-site', headers: { host: ['localhost:4580'], origin: ['http://localhost:4580'], 'sec-fetch-site': ['cross-site'] }, expect: siteRefused('cross-site') },
  { name: 'same-origin', headers: { host: ['localhost:4580'], 'sec-fetch-site': ['same-origin'] }, expect: 'served' },
  { name: 'none (typed into the address bar)', headers: { host: ['localhost:4580'], 'sec-fetch-site': ['none'] }, expect: 'served' },
  { name: 'cross-site even with an allowed host', headers: { host: ['ddlocal.internal'], 'sec-fetch-site': ['cross-site'] }, policy: CONFIGURED, expect: siteRefused('cross-site') },
  // What AWS SDKs and CLIs send.
  {
    name: 'an SDK request',
    headers: { host: ['127.0.0.1:4580'], authorization: ['AWS4-HMAC-SHA256 …'], 'content-type': ['application/json'] },
    expect: 'served',
  },
];

describe('checkRequestOrigin', () => {
  test(`${CASES.length} header sets: served or refused with the right exception and message`, () => {
    assert.ok(CASES.length >= 25);
    const wrong: string[] = [];
    for (const c of CASES) {
      const refusal = checkRequestOrigin(c.headers, c.httpVersion ?? '1.1', c.policy ?? LOOPBACK_ONLY);
      if (c.expect === 'served') {
        if (refusal) wrong.push(`${c.name}: expected served, got ${refusal.code}: ${refusal.message}`);
      } else if (!refusal) wrong.push(`${c.name}: expected ${c.expect.code}, got served`);
      else if (refusal.code !== c.expect.code || !c.expect.says.test(refusal.message))
        wrong.push(`${c.name}: expected ${c.expect.code} ${c.expect.says}, got ${refusal.code}: ${refusal.message}`);
    }
    assert.deepEqual(wrong, []);
  });

  test('refusals are 403 AccessDeniedException, malformed headers 400, and the message names the way out', () => {
    assert.equal(errorStatus('AccessDeniedException'), 403);
    assert.equal(errorStatus('InvalidRequestException'), 400);
    assert.equal(
      checkRequestOrigin({ host: ['localhost:4580'], origin: ['http://localhost:5173'] }, '1.1', LOOPBACK_ONLY)?.message,
      "The Origin header 'http://localhost:5173' is neither ddlocal's own origin (http://localhost:4580) nor in " +
        'DDLOCAL_ALLOWED_ORIGINS (--allowed-origin): ddlocal refuses requests that web pages of other origins make from a browser',
    );
    assert.equal(
      checkRequestOrigin({ host: ['rebound.test:4580'] }, '1.1', LOOPBACK_ONLY)?.message,
      "The Host header 'rebound.test:4580' names neither a loopback host nor an allowed one: ddlocal answers requests " +
        'addressed to localhost, 127.0.0.0/8, [::1], the address it listens on, or a host in DDLOCAL_ALLOWED_HOSTS ' +
        '(--allowed-host), so that a web page cannot reach it by pointing its own name at this machine',
    );
  });

  test('a long value is quoted by its first 200 characters', () => {
    const name = `${'a'.repeat(300)}.example`;
    const message = checkRequestOrigin({ host: [name] }, '1.1', LOOPBACK_ONLY)!.message;
    assert.ok(message.startsWith(`The Host header '${'a'.repeat(200)}…' names`), message.slice(0, 240));
  });

  test('hostile Host and Origin values of 16 KiB are decided in linear time', () => {
    const hostile = [
      `[${':'.repeat(16_000)}`,
      `${'a.'.repeat(8_000)}@`,
      `${'1'.repeat(16_000)}:`,
      `[${'f:'.repeat(8_000)}]:x`,
    ];
    const started = performance.now();
    for (const value of hostile) {
      const refusal = checkRequestOrigin({ host: [value] }, '1.1', CONFIGURED);
      assert.ok(refusal, value.slice(0, 20));
      checkRequestOrigin({ host: ['localhost'], origin: [`http://${value}`] }, '1.1', CONFIGURED);
    }
    assert.ok(performance.now() - started < 500, `${performance.now() - started} ms`);
  });
});

describe('allow-list entries and listening addresses', () => {
  test('host entries: names, addresses, ports, bare IPv6; anything else is refused', () => {
    assert.deepEqual(parseHostAllowance('DDLocal.Internal'), { hostname: 'ddlocal.internal', port: undefined });
    assert.deepEqual(parseHostAllowance(' 10.0.0.5:4580 '), { hostname: '10.0.0.5', port: 4580 });
    assert.deepEqual(parseHostAllowance('fd00:0::1'), { hostname: '[fd00::1]', port: undefined });
    assert.deepEqual(parseHostAllowance('[fd00::1]:80'), { hostname: '[fd00::1]', port: 80 });
    for (const bad of ['http://ddlocal.internal', 'a b', 'x:99999', '', 'user@host', '*.example.com'])
      assert.equal(parseHostAllowance(bad), undefined, bad);
  });

  test('origin entries: http(s) origins, canonical, one trailing slash tolerated', () => {
    assert.equal(parseOriginAllowance('http://LocalHost:3000/'), 'http://localhost:3000');
    assert.equal(parseOriginAllowance('https://dash.example:443'), 'https://dash.example');
    assert.equal(parseOriginAllowance('http://[::1]:8080'), 'http://[::1]:8080');
    for (const bad of ['null', 'localhost:3000', 'http://a/b', 'file:///x', 'ftp://a', '*', 'http://a@b'])
      assert.equal(parseOriginAllowance(bad), undefined, bad);
  });

  test('requestOriginPolicy names the first entry it cannot use', () => {
    assert.throws(() => requestOriginPolicy({ allowedHosts: ['ok.example', 'no way'] }), {
      message: "allowed host 'no way' is not a host name or address with an optional port",
    });
    assert.throws(() => requestOriginPolicy({ allowedOrigins: ['localhost:3000'] }), {
      message: "allowed origin 'localhost:3000' is not an origin such as http://localhost:3000",
    });
  });

  test('loopback listening addresses', () => {
    for (const address of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]', 'LOCALHOST'])
      assert.equal(isLoopbackAddress(address), true, address);
    for (const address of ['0.0.0.0', '::', '10.0.0.5', 'fd00::1', 'ddlocal.internal', '::ffff:127.0.0.1'])
      assert.equal(isLoopbackAddress(address), false, address);
  });
});
