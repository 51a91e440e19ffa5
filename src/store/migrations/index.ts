// The ordered list of schema migrations. Names sort in application order; a migration, once released, never changes.
import type { Migration } from 'kysely';
import * as registry from './001-registry.js';

export const MIGRATIONS: Record<string, Migration> = {
  '001-registry': registry,
};
