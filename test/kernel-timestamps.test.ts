// Timestamps in query strings (parseTimestampText): ISO-8601 with a zone, or epoch seconds; anything else is not a
// timestamp. Parsed directly, without a server.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimestampText } from '../src/kernel/timestamps.js';

describe('query timestamps (parseTimestampText)', () => {
  const iso = (text: string) => parseTimestampText(text)?.toISOString();

  test('ISO-8601 with Z, offsets and 1–9 digit fractions', () => {
    assert.equal(iso('2020-01-01T00:00:00Z'), '2020-01-01T00:00:00.000Z');
    assert.equal(iso('2020-01-01T00:00:00.250000Z'), '2020-01-01T00:00:00.250Z');
    assert.equal(iso('2020-01-01T00:00:00.5Z'), '2020-01-01T00:00:00.500Z');
    assert.equal(iso('2020-01-01T00:00:00.123456789Z'), '2020-01-01T00:00:00.123Z');
    assert.equal(iso('2020-01-01T02:00:00+02:00'), '2020-01-01T00:00:00.000Z');
    assert.equal(iso('2019-12-31T19:30:00-04:30'), '2020-01-01T00:00:00.000Z');
    assert.equal(iso('2020-02-29T12:00:00Z'), '2020-02-29T12:00:00.000Z');
  });

  test('numeric epoch seconds, integral and fractional', () => {
    assert.equal(iso('1600000000'), '2020-09-13T12:26:40.000Z');
    assert.equal(iso('1600000000.123'), '2020-09-13T12:26:40.123Z');
    assert.equal(iso('0'), '1970-01-01T00:00:00.000Z');
  });

  test('years below 100 stay in their century (Date.UTC would map 0050 to 1950)', () => {
    assert.equal(parseTimestampText('0050-06-01T00:00:00Z')?.getUTCFullYear(), 50);
  });

  test('rejected forms are undefined', () => {
    for (const bad of [
      '',
      'yesterday',
      '2020-01-01',
      '2020-01-01T00:00:00', // no zone
      '2020-01-01 00:00:00Z',
      '2020-01-01T00:00Z',
      '2020-01-01T00:00:00.Z',
      '2020-01-01T00:00:00.1234567890Z', // 10 fraction digits
      '2020-13-01T00:00:00Z',
      '2020-00-01T00:00:00Z',
      '2020-02-30T00:00:00Z', // no such day: not rolled over into March
      '2021-02-29T00:00:00Z',
      '2020-04-31T00:00:00Z',
      '2020-01-01T24:00:00Z',
      '2020-01-01T00:60:00Z',
      '2020-01-01T00:00:61Z',
      '2020-01-01T00:00:00+25:00',
      '2020-01-01T00:00:00+0200',
      '1e9',
      '0x10',
      '99999999999999999999', // beyond what a Date holds: would be an Invalid Date
    ]) {
      assert.equal(parseTimestampText(bad), undefined, bad);
    }
  });
});
