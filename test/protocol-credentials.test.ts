// The credentials table of strict mode (src/protocol/credentials.ts): what a credentials file (JSON or YAML) and the
// DDLOCAL_* environment variables become, and the start-up error — naming the entry and the field — for each way
// they can be wrong.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { buildCredentialsTable, credentialFromEnvironment, parseCredentialsFile } from '../src/protocol/credentials.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEJr//////////wEaDOPtoken+abc=';
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Describe*', Resource: '*' }] };
const entry = (fields: Record<string, unknown> = {}) => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, accountId: '111122223333', ...fields });
const file = (...entries: unknown[]) => JSON.stringify(entries);

describe('credentials file', () => {
  test('a full entry and a minimal one, with their defaults', () => {
    const entries = parseCredentialsFile(
      file(
        entry({
          sessionToken: TOKEN,
          principalArn: 'arn:aws:iam::111122223333:role/Automation',
          admin: false,
          policies: [
            { name: 'describe', document: POLICY },
            { name: 'as-text', document: JSON.stringify(POLICY) },
          ],
        }),
        { accessKeyId: 'admin-key', secretAccessKey: 's', accountId: '012345678901', admin: true },
      ),
    );
    assert.deepEqual(entries, [
      {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: SECRET,
        accountId: '111122223333',
        sessionToken: TOKEN,
        principalArn: 'arn:aws:iam::111122223333:role/Automation',
        admin: false,
        policies: [
          { name: 'describe', document: POLICY },
          { name: 'as-text', document: POLICY },
        ],
      },
      {
        accessKeyId: 'admin-key',
        secretAccessKey: 's',
        accountId: '012345678901',
        principalArn: 'arn:aws:iam::012345678901:root',
        admin: true,
        policies: [],
      },
    ]);
    assert.ok(Object.isFrozen(entries[0]) && Object.isFrozen(entries[0]!.policies), 'entries cannot be changed by whoever carries them');
  });

  test('YAML says the same as JSON', () => {
    const yaml = [
      '# team credentials',
      '- accessKeyId: AKIDEXAMPLE',
      `  secretAccessKey: "${SECRET}"`,
      '  accountId: "111122223333"',
      '  principalArn: arn:aws:iam::111122223333:user/auditor',
      '  policies:',
      '    - name: describe',
      '      document:',
      '        Version: "2012-10-17"',
      '        Statement:',
      '          - Effect: Allow',
      '            Action: "iot:Describe*"',
      '            Resource: "*"',
      '- accessKeyId: admin-key',
      '  secretAccessKey: s',
      "  accountId: '012345678901'",
      '  admin: true',
    ].join('\n');
    const [auditor, admin] = parseCredentialsFile(yaml);
    assert.deepEqual(auditor!.policies, [{ name: 'describe', document: POLICY }]);
    assert.equal(auditor!.principalArn, 'arn:aws:iam::111122223333:user/auditor');
    assert.equal(admin!.accountId, '012345678901');
    assert.equal(admin!.admin, true);
  });

  const INVALID: Array<[string, string, string | RegExp]> = [
    ['not JSON', '[{"accessKeyId": }]', /^creds\.json is not valid JSON: /],
    ['neither JSON nor YAML', 'a: [unclosed', /^creds\.json is neither JSON \(which starts with '\['\) nor valid YAML: /],
    ['not a list', JSON.stringify(entry()), 'creds.json must be a list of credentials (accessKeyId, secretAccessKey, accountId, …), not an object'],
    ['an empty list', '[]', 'creds.json lists no credentials'],
    ['an entry that is not an object', file(entry(), 'AKID:secret'), 'creds.json, entry 1: must be an object with accessKeyId, secretAccessKey, accountId, not a string'],
    ['accessKeyId missing', file({ secretAccessKey: SECRET, accountId: '111122223333' }), 'creds.json, entry 0: accessKeyId is missing'],
    ['accessKeyId with a /', file(entry({ accessKeyId: 'AKID/X' })), "creds.json, entry 0: accessKeyId 'AKID/X' must be 1 to 128 letters, digits, '_', '.' or '-'"],
    ['secret empty', file(entry(), entry({ accessKeyId: 'second', secretAccessKey: '' })), "creds.json, entry 1 (accessKeyId 'second'): secretAccessKey is empty"],
    ['secret missing', file({ accessKeyId: 'k', accountId: '111122223333' }), "creds.json, entry 0 (accessKeyId 'k'): secretAccessKey is missing"],
    ['account of 11 digits', file(entry({ accountId: '11112222333' })), "creds.json, entry 0 (accessKeyId 'AKIDEXAMPLE'): accountId must be 12 digits, not '11112222333'"],
    ['account as a number', file(entry({ accountId: 111122223333 })), "creds.json, entry 0 (accessKeyId 'AKIDEXAMPLE'): accountId must be a string; write the number 111122223333 in quotes"],
    [
      'unquoted account id in YAML',
      '- accessKeyId: k\n  secretAccessKey: s\n  accountId: 012345678901',
      /^creds\.json, entry 0 \(accessKeyId 'k'\): accountId must be a string; write the number \d+ in quotes$/,
    ],
    [
      'duplicate access key ids',
      file(entry(), entry({ accessKeyId: 'other' }), entry({ secretAccessKey: 'another secret' })),
      "creds.json: entries 0 and 2 both have accessKeyId 'AKIDEXAMPLE'; an access key can have only one secret",
    ],
    [
      'an unknown field (a typo)',
      file(entry({ secretKey: 'x' })),
      "creds.json, entry 0 (accessKeyId 'AKIDEXAMPLE'): unknown field 'secretKey'; a credential has accessKeyId, secretAccessKey, accountId, sessionToken, principalArn, admin, policies",
    ],
    ['session token with a space', file(entry({ sessionToken: 'a b' })), /sessionToken must be 1 to 8192 visible ASCII characters/],
    ['session token empty', file(entry({ sessionToken: '' })), /: sessionToken is empty$/],
    ['principalArn not an ARN', file(entry({ principalArn: 'Automation' })), /principalArn 'Automation' is not an IAM principal ARN/],
    ['principalArn of an IoT thing', file(entry({ principalArn: 'arn:aws:iot:us-east-1:111122223333:thing/t' })), /is not an IAM principal ARN/],
    [
      'principalArn in another account',
      file(entry({ principalArn: 'arn:aws:iam::999999999999:role/Automation' })),
      "creds.json, entry 0 (accessKeyId 'AKIDEXAMPLE'): principalArn is in account 999999999999, but the credential's accountId is 111122223333",
    ],
    ['admin as a string', file(entry({ admin: 'yes' })), /: admin must be true or false, not a string$/],
    ['policies not a list', file(entry({ policies: POLICY })), /: policies must be a list of \{ name, document \}, not an object$/],
    ['policy without a name', file(entry({ policies: [{ document: POLICY }] })), /: policies\[0\]\.name must be 1 to 128 letters/],
    ['policy with an unknown field', file(entry({ policies: [{ name: 'p', document: POLICY, Version: '2012-10-17' }] })), /: policies\[0\]: unknown field 'Version'/],
    ['policy document a list', file(entry({ policies: [{ name: 'p', document: [POLICY] }] })), /: policies\[0\] \('p'\) document must be a JSON object .*, not a list$/],
    ['policy document text that is not JSON', file(entry({ policies: [{ name: 'p', document: '{"Version":' }] })), /: policies\[0\] \('p'\) document is a string that is not valid JSON$/],
    [
      'two policies with one name',
      file(entry({ policies: [{ name: 'p', document: POLICY }, { name: 'p', document: POLICY }] })),
      /: policies\[1\]: another policy of this credential is also named 'p'$/,
    ],
  ];
  for (const [name, text, expected] of INVALID) {
    test(`refused: ${name}`, () => {
      assert.throws(
        () => parseCredentialsFile(text, 'creds.json'),
        (err: Error) => {
          if (typeof expected === 'string') assert.equal(err.message, expected);
          else assert.match(err.message, expected);
          return true;
        },
      );
    });
  }

  test('a policy document nested deeper than the limit is refused before anything walks it', () => {
    const deep = (levels: number) => {
      let value: unknown = 'x';
      for (let i = 0; i < levels; i++) value = { Condition: value };
      return value;
    };
    // As an object: 64 levels is the limit (the document itself is one of them).
    parseCredentialsFile(file(entry({ policies: [{ name: 'p', document: deep(64) }] })));
    assert.throws(
      () => parseCredentialsFile(file(entry({ policies: [{ name: 'p', document: deep(65) }] })), 'creds.json'),
      { message: /policies\[0\] \('p'\) document nests more than 64 levels deep; at most 64 levels are allowed$/ },
    );
    // As JSON text inside the file.
    assert.throws(
      () => parseCredentialsFile(file(entry({ policies: [{ name: 'p', document: '['.repeat(100_000) }] })), 'creds.json'),
      { message: /document nests JSON 100000 levels deep; at most 64 levels are allowed$/ },
    );
    // The whole file, measured before it is parsed.
    assert.throws(() => parseCredentialsFile('['.repeat(100_000), 'creds.json'), { message: 'creds.json nests JSON 100000 levels deep; at most 128 levels are allowed' });
  });

  test('YAML aliases cannot nest a document deeper than the limit', () => {
    // 71 levels of text each, but the alias puts one inside the other: 141 levels of value.
    const yaml = `- &deep ${'['.repeat(70)}x${']'.repeat(70)}\n- ${'['.repeat(70)}*deep${']'.repeat(70)}`;
    assert.throws(() => parseCredentialsFile(yaml, 'creds.yaml'), { message: 'creds.yaml nests YAML more than 128 levels deep; at most 128 levels are allowed' });
    // Within the file's bound, a policy document deepened by an alias is still held to the limit.
    const policy = `- accessKeyId: k\n  secretAccessKey: s\n  accountId: "111122223333"\n  policies:\n    - name: p\n      document: {a: &deep ${'['.repeat(40)}x${']'.repeat(40)}, b: ${'['.repeat(30)}*deep${']'.repeat(30)}}`;
    assert.throws(() => parseCredentialsFile(policy, 'creds.yaml'), { message: /policies\[0\] \('p'\) document nests more than 64 levels deep; at most 64 levels are allowed$/ });
  });

  test('messages never repeat a secret or a session token', () => {
    const secret = 'Sup3rSecretValue/+=';
    const token = 'Tok3nValue with space';
    for (const bad of [
      file(entry({ secretAccessKey: secret, accountId: 'x' })),
      file(entry({ secretAccessKey: secret, sessionToken: token })),
      file(entry({ secretAccessKey: secret }), entry({ secretAccessKey: secret })),
    ]) {
      assert.throws(
        () => parseCredentialsFile(bad),
        (err: Error) => !err.message.includes(secret) && !err.message.includes('Tok3nValue'),
      );
    }
  });
});

describe('environment credential', () => {
  const ENV = { DDLOCAL_ACCESS_KEY_ID: 'env-admin', DDLOCAL_SECRET_ACCESS_KEY: 'env-secret', DDLOCAL_ACCOUNT_ID: '123456789012' };

  test('the three variables are one admin credential of the account root', () => {
    assert.deepEqual(credentialFromEnvironment(ENV), {
      accessKeyId: 'env-admin',
      secretAccessKey: 'env-secret',
      accountId: '123456789012',
      principalArn: 'arn:aws:iam::123456789012:root',
      admin: true,
      policies: [],
    });
    assert.equal(credentialFromEnvironment({ ...ENV, DDLOCAL_SESSION_TOKEN: TOKEN })!.sessionToken, TOKEN);
  });

  test('none set: no credential; empty counts as not set', () => {
    assert.equal(credentialFromEnvironment({ PATH: '/usr/bin' }), undefined);
    assert.equal(credentialFromEnvironment({ DDLOCAL_ACCESS_KEY_ID: '' }), undefined);
  });

  test('an incomplete set names what is missing', () => {
    assert.throws(() => credentialFromEnvironment({ DDLOCAL_ACCESS_KEY_ID: 'k' }), {
      message:
        'the environment credential is incomplete: DDLOCAL_SECRET_ACCESS_KEY, DDLOCAL_ACCOUNT_ID are not set ' +
        '(DDLOCAL_ACCESS_KEY_ID, DDLOCAL_SECRET_ACCESS_KEY and DDLOCAL_ACCOUNT_ID go together)',
    });
    assert.throws(() => credentialFromEnvironment({ DDLOCAL_SESSION_TOKEN: TOKEN }), { message: /DDLOCAL_ACCESS_KEY_ID, DDLOCAL_SECRET_ACCESS_KEY, DDLOCAL_ACCOUNT_ID are not set/ });
    assert.throws(() => credentialFromEnvironment({ ...ENV, DDLOCAL_ACCOUNT_ID: undefined }), { message: /: DDLOCAL_ACCOUNT_ID is not set/ });
  });

  test('bad values name the variable', () => {
    assert.throws(() => credentialFromEnvironment({ ...ENV, DDLOCAL_ACCOUNT_ID: '1234' }), { message: "DDLOCAL_ACCOUNT_ID must be 12 digits, not '1234'" });
    assert.throws(() => credentialFromEnvironment({ ...ENV, DDLOCAL_ACCESS_KEY_ID: 'a key' }), { message: /^DDLOCAL_ACCESS_KEY_ID 'a key' must be/ });
    assert.throws(() => credentialFromEnvironment({ ...ENV, DDLOCAL_SESSION_TOKEN: 'a b' }), { message: /^DDLOCAL_SESSION_TOKEN must be/ });
  });
});

describe('the table', () => {
  const ENV = { DDLOCAL_ACCESS_KEY_ID: 'env-admin', DDLOCAL_SECRET_ACCESS_KEY: 'env-secret', DDLOCAL_ACCOUNT_ID: '123456789012' };

  test('file and environment together; lookup by access key id', () => {
    const table = buildCredentialsTable(file(entry()), ENV, '/etc/ddlocal/creds.json');
    assert.equal(table.size, 2);
    assert.equal(table.lookup('AKIDEXAMPLE')!.accountId, '111122223333');
    assert.equal(table.lookup('env-admin')!.admin, true);
    for (const unknown of ['akidexample', 'AKIDEXAMPLE ', '', '__proto__', 'constructor', 'toString']) assert.equal(table.lookup(unknown), undefined, unknown);
  });

  test('only a file, only the environment', () => {
    assert.deepEqual(buildCredentialsTable(file(entry()), {}).entries.map((e) => e.accessKeyId), ['AKIDEXAMPLE']);
    assert.deepEqual(buildCredentialsTable(undefined, ENV).entries.map((e) => e.accessKeyId), ['env-admin']);
  });

  test('the environment key may not also be in the file', () => {
    assert.throws(() => buildCredentialsTable(file(entry({ accessKeyId: 'env-admin' })), ENV, 'creds.json'), {
      message: "DDLOCAL_ACCESS_KEY_ID 'env-admin' is also the accessKeyId of entry 0 of creds.json; an access key can have only one secret",
    });
  });

  test('no credentials at all is a start-up error', () => {
    assert.throws(() => buildCredentialsTable(undefined, {}), {
      message: 'strict mode has no credentials: give a credentials file or set DDLOCAL_ACCESS_KEY_ID, DDLOCAL_SECRET_ACCESS_KEY and DDLOCAL_ACCOUNT_ID',
    });
  });

  test('file errors name the file given', () => {
    assert.throws(() => buildCredentialsTable('[]', {}, '/etc/ddlocal/creds.json'), { message: '/etc/ddlocal/creds.json lists no credentials' });
  });
});
