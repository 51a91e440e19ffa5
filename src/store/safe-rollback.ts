// The first error of a failed transaction is the one that matters. Kysely rolls a failed transaction back and, if
// that ROLLBACK itself throws, reports the rollback's error instead of the original one. That happens exactly when
// the original error is the interesting one: SQLite ends the transaction by itself on SQLITE_FULL (then ROLLBACK says
// "cannot rollback - no transaction is active"), and PostgreSQL cannot roll back on a connection that just died.
// So ROLLBACK is skipped where the engine says no transaction is open, and a ROLLBACK that fails is not reported:
// the transaction is over either way (SQLite rolled it back; PostgreSQL aborts it with the lost connection, and
// Kysely discards that connection before the error reaches this wrapper).
import type { DatabaseConnection, Dialect, Driver } from 'kysely';

export function withSafeRollback(dialect: Dialect, inTransaction?: () => boolean): Dialect {
  return {
    createDriver(): Driver {
      const driver = dialect.createDriver();
      const rollback = driver.rollbackTransaction.bind(driver);
      driver.rollbackTransaction = async (connection: DatabaseConnection) => {
        if (inTransaction && !inTransaction()) return;
        try {
          await rollback(connection);
        } catch {
          // See the header: the caller rethrows the transaction's own error.
        }
      };
      return driver;
    },
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
