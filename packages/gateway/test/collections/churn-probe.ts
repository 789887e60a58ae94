// Run as a child with --expose-gc --trace-gc-nvp: churns members through a
// long-lived collection after a full collection, and prints a marker line
// before and after so the test can sum what the young collections promoted
// in between. argv[2]: none (members held only by the probe) | set |
// slot-set | map | slot-map | int-key-table.

import { IntKeyTable } from '../../src/collections/int-key-table.ts';
import { SlotMap } from '../../src/collections/slot-map.ts';
import { SlotSet } from '../../src/collections/slot-set.ts';

const kind = process.argv[2];
const LIVE = 64;
const ROUNDS = 200_000;

function member(index: number) {
  return { index, payload: new Array(100).fill(index), label: `call ${index}` };
}

const set = new Set<object>();
const slotSet = new SlotSet<object>();
const map = new Map<number, object>();
const slotMap = new SlotMap<number, object>();
const intKeyTable = new IntKeyTable<object>();
// The live members, oldest first, in fixed arrays: their own churn must not promote anything.
const ringValues = new Array<object | undefined>(LIVE).fill(undefined);
const ringSlots = new Array<number>(LIVE).fill(-1);

function add(index: number) {
  const value = member(index);
  if (kind === 'set') set.add(value);
  if (kind === 'map') map.set(index, value);
  if (kind === 'slot-map') slotMap.set(index, value);
  if (kind === 'int-key-table') intKeyTable.set(index, value);
  ringSlots[index % LIVE] = kind === 'slot-set' ? slotSet.add(value) : -1;
  ringValues[index % LIVE] = value;
}

function remove(index: number) {
  const value = ringValues[index % LIVE]!;
  if (kind === 'set') set.delete(value);
  if (kind === 'map') map.delete(index);
  if (kind === 'slot-map') slotMap.delete(index);
  if (kind === 'int-key-table') intKeyTable.delete(index);
  if (kind === 'slot-set') slotSet.delete(ringSlots[index % LIVE]!, value);
}

for (let index = 0; index < LIVE; index++) add(index);
// A full collection leaves the collection's storage in the old generation, as one under load would.
(globalThis as { gc?: () => void }).gc!();
console.log('CHURN-START');
for (let index = LIVE; index < ROUNDS; index++) {
  remove(index - LIVE);
  add(index);
}
console.log('CHURN-END');
