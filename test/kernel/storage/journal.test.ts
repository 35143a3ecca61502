import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSegment, encodeRecord, JournalWriter, planReplay, readSegment, segmentPath } from '../../../src/kernel/storage/journal.js';
import { useTempDirs } from '../../helpers.js';

const tempDir = useTempDirs();

describe('journal', () => {
  it('round-trips records with text, numbers, nulls and blobs', async () => {
    const db = join(tempDir(), 'x.db');
    const writer = await JournalWriter.open(segmentPath(db, 1));
    await writer.append(encodeRecord({ lsn: 1, statements: [['insert into t values (?, ?, ?)', ['é', 1.5, null]]] }));
    await writer.append(encodeRecord({ lsn: 2, statements: [['insert into b values (?)', [new Uint8Array([0, 1, 255])]]] }));
    await writer.close();
    const { records, stopReason } = readSegment(segmentPath(db, 1));
    expect(stopReason).toBeUndefined();
    expect(records[0]).toEqual({ lsn: 1, statements: [['insert into t values (?, ?, ?)', ['é', 1.5, null]]] });
    expect(Array.from(records[1].statements[0][1][0] as Uint8Array)).toEqual([0, 1, 255]);
  });

  it('stops at a flipped bit and reports where', () => {
    const db = join(tempDir(), 'x.db');
    const seg = segmentPath(db, 1);
    createSegment(seg);
    appendFileSync(seg, encodeRecord({ lsn: 1, statements: [['a', []]] }));
    appendFileSync(seg, encodeRecord({ lsn: 2, statements: [['b', []]] }));
    const bytes = readFileSync(seg);
    bytes[bytes.length - 2] ^= 1;
    writeFileSync(seg, bytes);
    const result = readSegment(seg);
    expect(result.records.map((r) => r.lsn)).toEqual([1]);
    expect(result.stopReason).toMatch(/checksum mismatch at byte \d+/);
    // In the newest segment that is a torn tail, not an error.
    expect(planReplay(db, 0).tornTail?.path).toBe(seg);
  });

  it('refuses a gap in sequence numbers', () => {
    const db = join(tempDir(), 'x.db');
    const seg = segmentPath(db, 1);
    createSegment(seg);
    appendFileSync(seg, encodeRecord({ lsn: 1, statements: [] }));
    appendFileSync(seg, encodeRecord({ lsn: 3, statements: [] }));
    expect(() => planReplay(db, 0)).toThrow(/skips from record 1 to 3/);
  });

  it('skips records the checkpoint already covers', () => {
    const db = join(tempDir(), 'x.db');
    const seg = segmentPath(db, 1);
    createSegment(seg);
    for (let lsn = 1; lsn <= 4; lsn++) appendFileSync(seg, encodeRecord({ lsn, statements: [] }));
    expect(planReplay(db, 2).records.map((r) => r.lsn)).toEqual([3, 4]);
  });

  it('batches concurrent appends into fewer fsyncs, and rotates between batches', async () => {
    const db = join(tempDir(), 'x.db');
    const writer = await JournalWriter.open(segmentPath(db, 1));
    const all = Array.from({ length: 50 }, (_, i) => writer.append(encodeRecord({ lsn: i + 1, statements: [] })));
    const rotated = writer.rotate(segmentPath(db, 2));
    const more = Array.from({ length: 10 }, (_, i) => writer.append(encodeRecord({ lsn: 51 + i, statements: [] })));
    await Promise.all([...all, rotated, ...more]);
    await writer.close();
    expect(writer.syncs).toBeLessThan(60);
    const first = readSegment(segmentPath(db, 1)).records.map((r) => r.lsn);
    const second = readSegment(segmentPath(db, 2)).records.map((r) => r.lsn);
    expect([...first, ...second]).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(planReplay(db, 0).records).toHaveLength(60);
  });
});
