import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { IntKeyTable } from '../../src/collections/int-key-table.ts';
import { SlotMap } from '../../src/collections/slot-map.ts';
import { SlotSet } from '../../src/collections/slot-set.ts';

const PROBE = fileURLToPath(new URL('./churn-probe.ts', import.meta.url));

/** Bytes promoted to the old generation between the probe's markers. */
async function promotedDuringChurn(kind: string): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--trace-gc-nvp', PROBE, kind], { maxBuffer: 64 * 1024 * 1024 });
  const window = stdout.slice(stdout.indexOf('CHURN-START'), stdout.indexOf('CHURN-END'));
  let promoted = 0;
  for (const line of window.split('\n')) {
    if (!line.includes(' gc=')) continue;
    promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return promoted;
}

describe('SlotSet', () => {
  test('adds, finds, removes by slot, and reuses freed slots', () => {
    const set = new SlotSet<{ name: string }>();
    const a = { name: 'a' };
    const b = { name: 'b' };
    const slotA = set.add(a);
    const slotB = set.add(b);
    assert.equal(set.size, 2);
    assert.equal(set.at(slotA), a);
    assert.deepEqual([...set], [a, b]);
    assert.equal(set.delete(slotA, a), true);
    assert.equal(set.delete(slotA, a), false, 'a second removal is a no-op');
    assert.equal(set.size, 1);
    const c = { name: 'c' };
    assert.equal(set.add(c), slotA, 'the freed slot is taken again');
    assert.equal(set.delete(slotA, a), false, 'a stale removal does not remove the slot\'s new member');
    assert.equal(set.at(slotA), c);
    assert.deepEqual([...set].map((member) => member.name).sort(), ['b', 'c']);
    assert.equal(set.delete(slotB, b), true);
    assert.equal(set.size, 1);
  });

  test('iterates a copy, so members can be removed while iterating', () => {
    const set = new SlotSet<number>();
    const slots = [1, 2, 3].map((member) => ({ member, slot: set.add(member) }));
    const seen: number[] = [];
    for (const member of set) {
      seen.push(member);
      for (const entry of slots) set.delete(entry.slot, entry.member);
    }
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(set.size, 0);
  });

  test('replace refuses an empty slot', () => {
    const set = new SlotSet<string>();
    assert.throws(() => set.replace(0, 'x'), RangeError);
  });
});

describe('SlotMap', () => {
  test('behaves as a Map for get, set, has, delete, size and values', () => {
    const map = new SlotMap<string, { n: number }>();
    map.set('a', { n: 1 }).set('b', { n: 2 });
    map.set('a', { n: 3 });
    assert.equal(map.size, 2);
    assert.equal(map.get('a')?.n, 3);
    assert.equal(map.has('b'), true);
    assert.equal(map.get('missing'), undefined);
    assert.equal(map.delete('a'), true);
    assert.equal(map.delete('a'), false);
    assert.equal(map.has('a'), false);
    map.set('c', { n: 4 });
    assert.deepEqual([...map.values()].map((value) => value.n).sort(), [2, 4]);
    for (const _ of map.values()) map.delete('b');
    assert.equal(map.size, 1);
  });
});

describe('IntKeyTable', () => {
  test('agrees with a Map over random adds, replacements and removals', () => {
    const table = new IntKeyTable<string>();
    const model = new Map<number, string>();
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let nextId = 1;
    for (let step = 0; step < 20_000; step++) {
      const roll = random();
      if (roll < 0.45) {
        // Mostly sequential ids, as a channel numbers them, with some far apart so probe runs wrap and collide.
        const key = roll < 0.4 ? nextId++ : Math.floor(random() * 2 ** 40);
        table.set(key, `v${step}`);
        model.set(key, `v${step}`);
      } else if (roll < 0.5 && model.size > 0) {
        const key = [...model.keys()][Math.floor(random() * model.size)]!;
        table.set(key, `r${step}`);
        model.set(key, `r${step}`);
      } else {
        const keys = [...model.keys()];
        const key = keys.length > 0 && random() < 0.9 ? keys[Math.floor(random() * keys.length)]! : nextId + 1000;
        assert.equal(table.delete(key), model.delete(key));
      }
      if (step % 97 === 0) {
        assert.equal(table.size, model.size);
        for (const [key, value] of model) assert.equal(table.get(key), value, `key ${key} at step ${step}`);
        assert.deepEqual([...table.values()].sort(), [...model.values()].sort());
      }
    }
    for (const key of [...model.keys()]) assert.equal(table.delete(key), true);
    assert.equal(table.size, 0);
    assert.equal(table.get(1), undefined);
    assert.equal(table.has(1), false);
  });

  test('keys beyond 32 bits and a value set again', () => {
    const table = new IntKeyTable<number>();
    const big = 2 ** 52 + 3;
    table.set(big, 1).set(3, 2).set(big, 3);
    assert.equal(table.get(big), 3);
    assert.equal(table.get(3), 2);
    assert.equal(table.size, 2);
  });

  test('refuses keys that are not non-negative safe integers', () => {
    const table = new IntKeyTable<number>();
    for (const key of [-1, 1.5, Number.NaN, 2 ** 53]) assert.throws(() => table.set(key, 0), RangeError);
  });
});

// What these classes are for: after a full collection, members churned
// through a Set or Map are promoted by the young collections; through these
// they die young, as members held by nothing but the probe's own ring do.
describe('churn after a full collection', () => {
  const MEMBERS = 200_000;
  const perMember = (bytes: number) => Math.round(bytes / MEMBERS);

  test('a Set and a Map promote the members they churn; SlotSet, SlotMap and IntKeyTable promote no more than holding nothing', async () => {
    const [none, set, slotSet, map, slotMap, intKeyTable] = await Promise.all((['none', 'set', 'slot-set', 'map', 'slot-map', 'int-key-table'] as const).map(promotedDuringChurn)) as [number, number, number, number, number, number];
    const figures = `B per member: none ${perMember(none)}, Set ${perMember(set)}, SlotSet ${perMember(slotSet)}, Map ${perMember(map)}, SlotMap ${perMember(slotMap)}, IntKeyTable ${perMember(intKeyTable)}`;
    assert.ok(set > 2.5 * none && map > 2.5 * none, `the probe's premise: ${figures}`);
    assert.ok(slotSet < 1.2 * none + 2 * MEMBERS, figures);
    assert.ok(slotMap < 1.2 * none + 2 * MEMBERS, figures);
    assert.ok(intKeyTable < 1.2 * none + 2 * MEMBERS, figures);
  });
});
