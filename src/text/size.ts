import { TollgateError } from '../errors.js';

/**
 * Parses a size given by a user (`--max-evidence-bytes`, TOLLGATE_CONTRACT_MAX_BYTES): a byte count,
 * or a number with K, M or G (binary units).
 * @example parseSize('512M') // 536870912
 */
export function parseSize(text: string, what = 'a size'): number {
  const match = /^(\d+)\s*([KMG]i?B?)?$/i.exec(text.trim());
  if (!match)
    throw new TollgateError(
      'USAGE',
      `"${text}" is not ${what}: expected bytes, or a number with K, M or G (e.g. 512M)`,
    );
  const unit = (match[2] ?? '').charAt(0).toUpperCase();
  const factor = unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1;
  return Number(match[1]) * factor;
}

/** `2.0 MiB (2097152 bytes)`, or `512 bytes` under 1 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB (${bytes} bytes)`;
  return `${bytes} bytes`;
}
