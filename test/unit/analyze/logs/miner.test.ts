import { describe, expect, it } from 'vitest';
import { ObsError } from '../../../../core/errors.js';
import { digitShape } from '../../../../analyze/logs/mask.js';
import { createMiner, newShapeMemo, patternIdOf } from '../../../../analyze/logs/miner.js';
import type { MinerConfig, ShapeMemo } from '../../../../analyze/logs/miner.js';

function mine(messages: string[], config: MinerConfig = {}) {
  const miner = createMiner(config);
  const refs = messages.map((m) => miner.add(m).ref);
  const patterns = miner.finish();
  return {
    patterns,
    templates: refs.map((r) => miner.patternOf(r).template),
    ids: refs.map((r) => miner.patternOf(r).id),
  };
}

describe('createMiner: real log lines next to their templates', () => {
  it('HDFS (Hadoop file system)', () => {
    const { templates } = mine([
      'PacketResponder 1 for block blk_38865049064139660 terminating',
      'PacketResponder 0 for block blk_-6952295868487656571 terminating',
      'BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.73.220:50010 is added to blk_7128370237687728475 size 67108864',
      'BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.107.19:50010 is added to blk_-3544583377289625738 size 67108864',
      'Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010',
    ]);
    expect(templates).toEqual([
      'PacketResponder <*> for block <*> terminating',
      'PacketResponder <*> for block <*> terminating',
      'BLOCK* NameSystem.addStoredBlock: blockMap updated: <*> is added to <*> size <*>',
      'BLOCK* NameSystem.addStoredBlock: blockMap updated: <*> is added to <*> size <*>',
      'Receiving block <*> src: /<*>:<*> dest: /<*>:<*>',
    ]);
  });

  it('Linux syslog: a user name that varies is a variable, few values are constants', () => {
    const users = ['root', 'cyrus', 'news', 'test', 'alice'];
    const { templates } = mine([
      ...users.map((u) => `session opened for user ${u} by (uid=0)`),
      'session opened for user root by LOGIN(uid=0)',
    ]);
    expect(new Set(templates.slice(0, 5))).toEqual(
      new Set(['session opened for user <*> by (uid=<*>)']),
    );
    // The user is a variable of the cluster both lines fell into; the LOGIN( shape splits them.
    expect(templates[5]).toBe('session opened for user <*> by LOGIN(uid=<*>)');
  });

  it('Android/HealthApp: two words at one position stay two patterns', () => {
    const lines = Array.from(
      { length: 10 },
      (_, i) => `onReceive action: android.intent.action.SCREEN_${i % 2 ? 'ON' : 'OFF'}`,
    );
    const { patterns } = mine(lines);
    expect(patterns.map((p) => [p.template, p.count]).sort()).toEqual([
      ['onReceive action: android.intent.action.SCREEN_OFF', 5],
      ['onReceive action: android.intent.action.SCREEN_ON', 5],
    ]);
  });

  it('Mac: a first word that varies across many lines joins them (Drain keeps it apart)', () => {
    const jobs = [
      'com.apple.icloud.fmfd.heartbeat',
      'com.apple.Safari.SafeBrowsing.Update',
      'com.apple.CacheDelete.daily',
      'com.apple.mail.update',
    ];
    const { patterns } = mine(
      jobs.map(
        (j) =>
          `${j}: scheduler_evaluate_activity told me to run this job; however, but the start time isn't for 439034 seconds.  Ignoring.`,
      ),
    );
    expect(patterns).toHaveLength(1);
    expect(patterns[0]!.template).toBe(
      "<*> scheduler_evaluate_activity told me to run this job; however, but the start time isn't for <*>. Ignoring.",
    );
  });

  it('Proxifier: quantities written in different ways are one value', () => {
    const { patterns } = mine([
      'proxy.cse.cuhk.edu.hk:5070 close, 0 bytes sent, 0 bytes received, lifetime 00:01',
      'proxy.cse.cuhk.edu.hk:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:02',
      'www.google.com:443 close, 403 bytes sent, 426 bytes received, lifetime <1 sec',
    ]);
    expect(patterns.map((p) => p.template)).toEqual([
      '<*> close, <*> sent, <*> received, lifetime <*>',
    ]);
  });
});

describe('createMiner: contract', () => {
  it('says what add() did, as Drain3 does', () => {
    const miner = createMiner();
    expect(miner.add('Disk sda1 is full').change).toBe('created');
    expect(miner.add('Disk sda1 is full').change).toBe('none');
    const changed = miner.add('Disk sdb2 is full');
    expect(changed.change).toBe('changed');
    expect(changed.template).toBe('Disk <*> is full');
    expect(changed.patternId).toBe(patternIdOf('Disk <*> is full'));
    expect(miner.add('Disk sdc3 is full').change).toBe('none');
  });

  it('gives the same pattern ids in every run: a hash of the template', () => {
    const lines = ['job 1 started', 'job 2 started', 'job 3 failed: timeout after 30s'];
    const a = mine(lines).ids;
    const b = mine([...lines]).ids;
    expect(a).toEqual(b);
    expect(a[0]).toBe(patternIdOf('job <*> started'));
    // Pinned: an id must not change between versions for the same template.
    expect(patternIdOf('job <*> started')).toBe('c4067b81b305');
  });

  it.each([
    [{ depth: 2 }, 'miner: depth must be an integer >= 3, got 2'],
    [{ similarity: 0 }, 'miner: similarity must be in (0, 1], got 0'],
    [{ similarity: 1.5 }, 'miner: similarity must be in (0, 1], got 1.5'],
    [{ variableAfter: 1 }, 'miner: variableAfter must be an integer >= 2, got 1'],
    [{ maxChildren: 1 }, 'miner: maxChildren must be an integer >= 2, got 1'],
  ])('enforces its limits: %o', (config, message) => {
    try {
      createMiner(config);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ObsError);
      expect((err as ObsError).message).toBe(message);
      expect((err as ObsError).code).toBe('OBS_BAD_MINER_CONFIG');
    }
  });

  it('refuses add() after finish() and patternOf() before it', () => {
    const miner = createMiner();
    const { ref } = miner.add('x 1');
    expect(() => miner.patternOf(ref)).toThrow(/finish/);
    miner.finish();
    expect(() => miner.add('x 2')).toThrow(/after finish/);
  });

  it.each([0, 5, 100_000])(
    'counts a message of a known digit shape as ref() does, its caches emptied or not (%i entries)',
    (cacheSize) => {
      // Shapes that repeat with other numbers, and some whose masked message keeps a digit (eth0).
      const messages: string[] = [];
      for (let i = 0; i < 400; i++) {
        const n = (i * 7919) % 1000;
        messages.push(
          `worker ${n % 10} took ${n} ms`,
          `link eth${n % 3} up at ${100 + n} Mbps`,
          `job ${['alpha', 'beta', 'gamma', 'delta', 'eps'][n % 5]} ${n}`,
          `user u${n} logged in from 10.0.${n % 256}.${(n * 3) % 256}`,
          // A kept word (`an3`) also in a list that masking joins (`an3 an4`).
          `disks an${n % 4} an${(n + 1) % 4} on an${n % 3} at ${n}`,
          `Block broadcast_${n % 40} stored (size ${n})`,
        );
      }
      const plain = createMiner({ cacheSize });
      const shaped = createMiner({ cacheSize });
      const memos = new Map<string, ShapeMemo>();
      const memo = (m: string) => {
        let x = memos.get(digitShape(m));
        if (x === undefined) memos.set(digitShape(m), (x = newShapeMemo()));
        return x;
      };
      const a = messages.map((m) => plain.ref(m));
      const b = messages.map((m) => shaped.refByShape(m, memo(m)));
      expect(b).toEqual(a);
      expect(shaped.finish()).toEqual(plain.finish());
      expect(b.map((r) => shaped.patternOf(r).id)).toEqual(a.map((r) => plain.patternOf(r).id));
    },
  );

  it('masks a message of a known shape again once the caches emptied: it may join another variant', () => {
    // Found by search: the second `a b c d` goes elsewhere once the caches were emptied.
    const messages = ['a b c d', 'a b d 2', 'a b c d 1', 'a b c d', 'a b c d 1', 'a b q 1'];
    const plain = createMiner({ cacheSize: 2, variableAfter: 2 });
    const shaped = createMiner({ cacheSize: 2, variableAfter: 2 });
    const memos = new Map<string, ShapeMemo>();
    const refs = messages.map((m) => {
      if (!memos.has(digitShape(m))) memos.set(digitShape(m), newShapeMemo());
      return shaped.refByShape(m, memos.get(digitShape(m))!);
    });
    expect(refs).toEqual(messages.map((m) => plain.ref(m)));
    expect(refs[3]).not.toBe(refs[0]);
  });

  it('mines an empty message into the empty template', () => {
    const { templates } = mine(['', '']);
    expect(templates).toEqual(['', '']);
  });
});
