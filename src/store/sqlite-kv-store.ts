import Database from 'libsql';

/** Durable key-value pairs for state that must survive a restart (canary progress, kill-switch). */
export interface KvStore {
  /** Every stored pair whose key starts with one of the prefixes. */
  load(prefixes: readonly string[]): Map<string, string>;
  save(key: string, value: string): void;
  delete(key: string): void;
  close(): void;
}

/**
 * A tiny SQLite table beside the request log. Writes are synchronous and rare (admin changes,
 * canary steps), so durability matters more than batching here.
 */
export function createSqliteKvStore(path: string): KvStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(
    'CREATE TABLE IF NOT EXISTS switchyard_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL)',
  );
  const upsert = db.prepare(
    'INSERT INTO switchyard_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const remove = db.prepare('DELETE FROM switchyard_state WHERE key = ?');
  const all = db.prepare('SELECT key, value FROM switchyard_state');
  return {
    load(prefixes) {
      const pairs = new Map<string, string>();
      for (const row of all.all() as Array<{ key: string; value: string }>) {
        if (prefixes.some((prefix) => row.key.startsWith(prefix))) pairs.set(row.key, row.value);
      }
      return pairs;
    },
    save(key, value) {
      upsert.run(key, value, Date.now());
    },
    delete(key) {
      remove.run(key);
    },
    close() {
      db.close();
    },
  };
}
