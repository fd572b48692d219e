import { DisconnectsClientError, ErrorReply, SocketClosedUnexpectedlyError } from 'redis';
import { describe, expect, it } from 'vitest';
import { isTransientError, replyWord, toIpcError } from './errors.js';

// Stands for node-redis's ErrorReply in a second copy of node-redis: same text, another class.
class ForeignErrorReply extends Error {}

describe('toIpcError', () => {
  it('recognises node-redis errors by the classes redis exports, even when a minifier renamed them', () => {
    const renamed = [DisconnectsClientError, SocketClosedUnexpectedlyError];
    const names = renamed.map((type) => type.name);
    try {
      for (const [i, type] of renamed.entries()) Object.defineProperty(type, 'name', { value: `m${i}` });
      expect(toIpcError(new DisconnectsClientError()).code).toBe('IPC_CLOSED');
      expect(toIpcError(new SocketClosedUnexpectedlyError()).code).toBe('IPC_CONNECTION');
    } finally {
      for (const [i, type] of renamed.entries()) Object.defineProperty(type, 'name', { value: names[i] });
    }
  });

  it('recognises errors of another copy of node-redis by their reply text or fixed message', () => {
    expect(toIpcError(new ForeignErrorReply('WRONGTYPE Operation against a key')).code).toBe('IPC_COMMAND');
    expect(toIpcError(new ForeignErrorReply('LOADING Redis is loading the dataset')).code).toBe(
      'IPC_UNAVAILABLE',
    );
    expect(replyWord(new ForeignErrorReply('NOSCRIPT No matching script.'))).toBe('NOSCRIPT');
    expect(toIpcError(new Error('Socket closed unexpectedly')).code).toBe('IPC_CONNECTION');
    expect(toIpcError(new Error('The client is closed')).code).toBe('IPC_CLOSED');
    expect(toIpcError(new Error('Disconnects client')).code).toBe('IPC_CLOSED');
    // Text that merely looks like a reply but carries a code of its own is no reply.
    const coded = Object.assign(new Error('ERR something'), { code: 'ERR_SOMETHING' });
    expect(toIpcError(coded).code).toBe('IPC_UNEXPECTED');
  });

  it('gives "not now" replies their own transient code, so ConnectionError means only "outcome unknown"', () => {
    for (const reply of [
      'LOADING Redis is loading the dataset in memory',
      'BUSY Redis is busy running a script.',
      "READONLY You can't write against a read only replica.",
      'MASTERDOWN Link with MASTER is down',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'CLUSTERDOWN The cluster is down',
    ]) {
      const error = toIpcError(new ErrorReply(reply));
      expect(error.code).toBe('IPC_UNAVAILABLE');
      expect(isTransientError(error)).toBe(true);
    }
    expect(toIpcError(new ErrorReply('BUSYGROUP Consumer Group name already exists')).code).toBe(
      'IPC_COMMAND',
    );
    expect(isTransientError(toIpcError(new ErrorReply('ERR syntax error')))).toBe(false);
  });

  it('says authentication failed for NOAUTH and WRONGPASS, and does not call it transient', () => {
    for (const reply of ['NOAUTH Authentication required.', 'WRONGPASS invalid username-password pair']) {
      const error = toIpcError(new ErrorReply(reply));
      expect(error.code).toBe('IPC_AUTH');
      expect(isTransientError(error)).toBe(false);
    }
  });

  it('calls socket and TLS failures connection errors', () => {
    for (const code of [
      'ECONNREFUSED',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'ERR_SSL_WRONG_VERSION_NUMBER',
    ]) {
      const error = toIpcError(Object.assign(new Error(`failed: ${code}`), { code }));
      expect(error.code, code).toBe('IPC_CONNECTION');
    }
  });
});
