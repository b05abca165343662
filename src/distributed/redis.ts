// Connecting to Redis for the job queue: parse the URL (redis://, rediss:// for TLS, user and
// password, database), never print the password, and turn every way a connection fails (bad URL,
// refused, unreachable, authentication, a server too old for BullMQ) into one clear line.
import { Redis, type RedisOptions } from 'ioredis';
import { NetDissectError, UsageError } from '../util/errors.js';

/** The queue's name in Redis (BullMQ prefixes its keys with `bull:`). */
export const QUEUE_NAME = 'netdissect';

/** Oldest Redis that BullMQ's flows run on. */
const MIN_REDIS: readonly [number, number] = [6, 2];

export interface RedisTarget {
  readonly options: RedisOptions;
  /** The URL with any password replaced by ***, for messages. */
  readonly shown: string;
}

export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue ${redact(url)}: not a URL; expected redis://HOST:PORT (or rediss:// for TLS, redis://:PASSWORD@HOST:PORT/DB).`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UsageError(`--queue ${redact(url)}: unsupported scheme '${u.protocol}'; expected redis:// or rediss://.`);
  }
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`--queue ${redact(url)}: database '${u.pathname.slice(1)}' is not a number.`);
  const options: RedisOptions = {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's blocking commands must not give up: workers wait on the queue for hours.
    maxRetriesPerRequest: null,
  };
  return { options, shown: redact(url) };
}

/** The URL as it may be printed: user kept, password hidden. */
export function redact(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/i, (_, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return colon < 0 ? `${scheme}***@` : `${scheme}${auth.slice(0, colon)}:***@`;
  });
}

/** Connect once, without retrying, to say clearly whether the queue can be used at all. */
export async function checkRedis(target: RedisTarget): Promise<void> {
  const client = new Redis({ ...target.options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, enableOfflineQueue: false });
  // ioredis rejects connect() with "Connection is closed"; the cause comes as an 'error' event.
  let cause: unknown = null;
  client.on('error', (err: unknown) => { cause ??= err; });
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    if (version) {
      const [maj, min] = [Number(version[1]), Number(version[2])];
      if (maj < MIN_REDIS[0] || (maj === MIN_REDIS[0] && min < MIN_REDIS[1])) {
        throw new NetDissectError(`Redis at ${target.shown} is version ${maj}.${min}; the job queue (BullMQ flows) needs Redis ${MIN_REDIS.join('.')} or newer.`);
      }
    }
  } catch (err) {
    throw err instanceof NetDissectError ? err : new NetDissectError(describeRedisError(cause ?? err, target.shown));
  } finally {
    client.disconnect();
  }
}

/** One line for a Redis failure, without the password. */
export function describeRedisError(err: unknown, shown: string): string {
  const e = err as NodeJS.ErrnoException & { message: string };
  const msg = e?.message ?? String(err);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(msg)) {
    return `Redis at ${shown} refused the authentication (${msg.split('\n')[0]!.replace(/\s+$/, '')}); check the user and password in the URL.`;
  }
  if (e?.code === 'ECONNREFUSED') return `cannot connect to Redis at ${shown}: connection refused; is redis-server running there, on that port?`;
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return `cannot connect to Redis at ${shown}: unknown host; check the host name.`;
  if (e?.code === 'ETIMEDOUT' || /timeout/i.test(msg)) return `cannot connect to Redis at ${shown}: no answer (timed out); check the address and the firewall.`;
  return `cannot use Redis at ${shown}: ${msg.replace(/redis(s?):\/\/[^@\s]*@/gi, 'redis$1://***@')}`;
}
