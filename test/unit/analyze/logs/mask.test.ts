import { describe, expect, it } from 'vitest';
import { maskMessage, maskToken } from '../../../../analyze/logs/mask.js';

describe('maskToken', () => {
  it.each([
    // numbers, durations, sizes
    ['42', '<*>'],
    ['-3.5e-2', '<*>'],
    ['250ms', '<*>'],
    ['64KB', '<*>'],
    ['99.5%', '<*>'],
    // network
    ['10.251.73.220:50010', '<*>'],
    ['fe80::1ff:fecd:467f', '<*>'],
    ['00:11:43:e3:ba:c3', '<*>'],
    ['api.example.com:8443', '<*>'],
    ['https://shop.example.com/cart?id=7', '<*>'],
    // ids
    ['b9000564-fe1a-409b-b8cc-1e88b294cd1d', '<*>'],
    ['0x7fed806eb5d', '<*>'],
    ['7c6fbb99eea95d623c08de0c9691a446', '<*>'],
    ['blk_-6952295868487656571', '<*>'],
    // dates and times
    ['2017-05-16T00:00:00.008Z', '<*>'],
    ['18:01:47,978', '<*>'],
    // paths
    ['/var/lib/nova/instances/_base', '<*>'],
    ['./runtime_malloc', '<*>'],
    ['C:\\Windows\\winsxs\\cbscore.dll', '<*>'],
    // wrapped values keep their punctuation
    ['(42)', '(<*>)'],
    ['[7]:', '[<*>]:'],
    ['size=5,', 'size=<*>,'],
    // key=value: values holding digits or dots are masked, plain words are left to the miner
    ['uid=0', 'uid=<*>'],
    ['rhost=host.example.net', 'rhost=<*>'],
    ['user=root', 'user=root'],
    ['ruser=', 'ruser='],
    ['(uid=0)', '(uid=<*>)'],
    // identifiers with a value inside keep their shape
    ['CPU#1', 'CPU#<*>'],
    ['[ib_sm_sweep.c:1234]:', '[ib_sm_sweep.c:<*>]:'],
    ['instruction......0', 'instruction......<*>'],
    // names ending in a small number are words
    ['eth0', 'eth0'],
    ['IPV6', 'IPV6'],
    ['SOCKS5', 'SOCKS5'],
    // words stay
    ['terminating', 'terminating'],
    ['dfs.DataNode$PacketResponder:', 'dfs.DataNode$PacketResponder:'],
  ])('%s -> %s', (token, masked) => expect(maskToken(token)).toBe(masked));
});

describe('maskMessage', () => {
  const m = (s: string) => maskMessage(s).join(' ');
  it('joins a number and its unit, and a bracketed restatement of it', () => {
    expect(m('close, 1190 bytes (1.16 KB) sent, 336 bytes received, lifetime <1 sec')).toBe(
      'close, <*> sent, <*> received, lifetime <<*>',
    );
    expect(m('took 12 ms')).toBe('took <*>');
  });

  it('treats month and weekday names next to a time as part of it', () => {
    expect(m('connection from 1.2.3.4 () at Fri Jul  1 07:57:30 2005')).toBe(
      'connection from <*> () at <*>',
    );
  });

  it('makes a list of values one value, whatever its length', () => {
    expect(m('ask 10.250.18.114:50010 to delete blk_1 blk_2 blk_3')).toBe('ask <*> to delete <*>');
    expect(m('failed to resolve an14 an15 an16 an17')).toBe('failed to resolve <*>');
  });

  it('masks Kubernetes pod names, which often hold no digit', () => {
    expect(m('Connection to payments-bcdfh-xkzqw refused')).toBe('Connection to <*> refused');
    expect(m('evicted (payments-7c9bdf4d5-x2k4p), retrying')).toBe('evicted (<*>), retrying');
    expect(m("pod 'orders-mnpqrstv-tvwxz': ready")).toBe("pod '<*>': ready");
    // Words with hyphens stay.
    expect(m('read-only file-system mount-point')).toBe('read-only file-system mount-point');
    expect(m('well-known-names unchanged')).toBe('well-known-names unchanged');
  });

  it('splits on any run of whitespace', () => {
    expect(maskMessage('  a\tb   c ')).toEqual(['a', 'b', 'c']);
    expect(maskMessage('')).toEqual([]);
  });
});
