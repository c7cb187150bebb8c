/**
 * startOnFreePort (test/support/ports.ts), with real child processes binding real ports: a child
 * that finds its port taken is replaced by one on another port, an answer given once the child has
 * died does not count, and any other failure stops at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startOnFreePort } from './ports.js';

/** Resolves with `port` once the child says it listens, and also once it exits (an answer from whoever holds the port). */
function answered(child: ChildProcess, port: number): Promise<number> {
  return new Promise((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve(port);
    });
    child.once('exit', () => resolve(port));
  });
}

const children: ChildProcess[] = [];

/** Runs `code` in a Node child (stopped after the test), its standard error piped. */
function nodeChild(code: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return child;
}

/** A start: a child that listens on the port, saying `listening`, or prints the error code and exits 1. */
function listening(port: number) {
  const child = nodeChild(
    `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.error('listening')).on('error', (e) => { console.error(e.code); process.exit(1); })`,
  );
  return { child, ready: answered(child, port) };
}

let holder: net.Server | undefined;
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill();
  await new Promise((resolve) => (holder ? holder.close(resolve) : resolve(undefined)));
  holder = undefined;
});

/** A port this process holds, so that a child binding it finds it taken. */
async function takenPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  holder = server;
  return (server.address() as net.AddressInfo).port;
}

describe('startOnFreePort', () => {
  it('starts the child again on another port when its port was taken', async () => {
    const taken = await takenPort();
    const picked: number[] = [];
    const port = await startOnFreePort(listening, {
      pickPort: async () => {
        picked.push(picked.length === 0 ? taken : await freePort());
        return picked.at(-1)!;
      },
    });
    expect(picked).toHaveLength(2);
    expect(port).toBe(picked[1]);
    expect(children[0]!.exitCode).toBe(1);
    expect(children[1]!.exitCode).toBeNull();
  });

  it('gives up after five children lost their port', async () => {
    const taken = await takenPort();
    const start = startOnFreePort(listening, { pickPort: async () => taken });
    await expect(start).rejects.toThrow(/lost its port to another process 5 times .*EADDRINUSE/s);
    expect(children).toHaveLength(5);
  });

  it('does not take an answer given once the child it started has exited', async () => {
    const start = startOnFreePort((at) => {
      const child = nodeChild('process.exit(0)');
      return { child, ready: answered(child, at) };
    });
    await expect(start).rejects.toThrow(/answered, but the child started for it had exited/);
    expect(children).toHaveLength(1);
  });

  it('throws the failure of a child that exits for another reason, without starting another', async () => {
    const start = startOnFreePort((at) => {
      const child = nodeChild('console.error("bad config"); process.exit(3)');
      const ready = new Promise<number>((_resolve, reject) =>
        child.once('exit', (code) => reject(new Error(`exited ${code} before listening on ${at}`))),
      );
      return { child, ready };
    });
    await expect(start).rejects.toThrow(/^exited 3 before listening on \d+$/);
    expect(children).toHaveLength(1);
  });
});
