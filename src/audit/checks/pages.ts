// Reading a large table a page at a time: a check over every device certificate of a million-device fleet holds one
// page of rows, not the table (docs/benchmarks.md, "Audit of 1,000,000 certificates"). Keyset pages (after the last
// key seen), so each page is an index range and the whole read stays linear.
import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '../../store/schema.js';

/** Rows per page: large enough that round trips do not matter, small enough that a page is a few MiB. */
export const PAGE_ROWS = 5000;

/**
 * Yields `query`'s rows a page at a time, in certificate id order, each page read after the last id of the one
 * before, until one comes back short. `query` selects certificate_id and neither orders nor limits: this adds both.
 */
export async function* certificatePages<Row extends { certificate_id: string }>(
  query: SelectQueryBuilder<Database, 'certificates', Row>,
): AsyncGenerator<Row[]> {
  let after: string | undefined;
  for (;;) {
    const page = await (after === undefined ? query : query.where('certificate_id', '>', after))
      .orderBy('certificate_id')
      .limit(PAGE_ROWS)
      .execute();
    if (page.length) yield page;
    if (page.length < PAGE_ROWS) return;
    after = page[page.length - 1]!.certificate_id;
  }
}
