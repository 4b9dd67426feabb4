import { describe, expect, it } from 'vitest';
import { makeRequestRecord } from '../telemetry/__fixtures__/request-records.js';
import { createLogStore } from './create-log-store.js';

describe('createLogStore', () => {
  it('opens a working SQLite store for kind sqlite', async () => {
    const store = createLogStore({ kind: 'sqlite', path: ':memory:', synchronous: 'full' });
    await store.append([makeRequestRecord({ id: 'via-config' })]);
    const ids: string[] = [];
    for await (const record of store.query({})) ids.push(record.id);
    await store.close();
    expect(ids).toEqual(['via-config']);
  });

  it('refuses PostgreSQL with a clear message instead of silently using a file', () => {
    expect(() =>
      createLogStore({ kind: 'postgres', url: 'postgres://127.0.0.1/switchyard' }),
    ).toThrow(/PostgreSQL request log is not available/);
  });
});
