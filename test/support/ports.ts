/**
 * Loopback ports for the services tests start as child processes (a registry, Prometheus,
 * `tollgate serve`). A free port is asked of the kernel and released, and the child binds it a
 * moment later: in between somebody else (another test's server, a token server listening on
 * port 0) can take it. `startOnFreePort` starts the child again on another port when it lost its
 * port that way, and takes an answer only from a child that still runs.
 */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One start on a port: the child that binds it, and the wait until the service answers there. */
export interface PortAttempt<T> {
  child: ChildProcess;
  /** Resolves with the service once it answers; rejects (or resolves) once the child has exited. */
  ready: Promise<T>;
}

/** How a child says the port was taken: Go's bind error (registry, Prometheus), Node's code (serve). */
const PORT_TAKEN = /address already in use|EADDRINUSE/;

export interface StartOnFreePortOptions {
  /** How many children to start at the most; default 5. */
  attempts?: number;
  /** Where a port comes from; default {@link freePort}. */
  pickPort?: () => Promise<number>;
}

/**
 * Starts a service on a free port: `start(port)` spawns the child as its last step (nothing
 * awaited after the spawn, so no output is missed) and says how to wait for it. When the child
 * says the port was taken, it is stopped and another starts on another port, five times in all
 * unless `attempts` says otherwise; an answer counts only while the child started for it runs
 * (another process on the port may answer). Any other failure is thrown as it is. A child that
 * did not start is killed (by its own handle) before this returns or throws.
 * @example const registry = await startOnFreePort((port) => ({ child: spawn(bin, [`--port=${port}`]), ready: ping(port) }));
 */
export async function startOnFreePort<T>(
  start: (port: number) => PortAttempt<T> | Promise<PortAttempt<T>>,
  options: StartOnFreePortOptions = {},
): Promise<T> {
  const { attempts = 5, pickPort = freePort } = options;
  for (let attempt = 1; ; attempt++) {
    const port = await pickPort();
    const { child, ready } = await start(port);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
    });
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    const outcome = await ready.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const running = child.exitCode === null && child.signalCode === null;
    const taken = PORT_TAKEN.test(stderr);
    if (outcome.ok && running && !taken) return outcome.value;
    if (running) child.kill('SIGKILL');
    await exited;
    if (!taken) {
      if (!outcome.ok) throw outcome.error;
      throw new Error(
        `127.0.0.1:${port} answered, but the child started for it had exited: ${stderr.slice(-2000)}`,
      );
    }
    if (attempt >= attempts)
      throw new Error(
        `the child lost its port to another process ${attempts} times (last 127.0.0.1:${port}): ${stderr.slice(-2000)}`,
        outcome.ok ? undefined : { cause: outcome.error },
      );
  }
}
