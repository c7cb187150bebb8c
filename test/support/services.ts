/**
 * Real services in tests: a test that cannot reach one skips with a message, unless
 * TOLLGATE_REQUIRE_SERVICES=1 (CI), where the missing service fails the run.
 */
export const REQUIRE_SERVICES = process.env.TOLLGATE_REQUIRE_SERVICES === '1';

/**
 * Returns true when the service is usable; otherwise throws under TOLLGATE_REQUIRE_SERVICES=1, or
 * prints why the tests that need it are skipped and returns false.
 */
export function serviceAvailable(name: string, available: boolean, why: string): boolean {
  if (available) return true;
  if (REQUIRE_SERVICES)
    throw new Error(`${name} is required (TOLLGATE_REQUIRE_SERVICES=1) but unavailable: ${why}`);
  console.warn(`skipping ${name} tests: ${why}`);
  return false;
}
