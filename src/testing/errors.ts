import { CapstanError } from '../core/index.ts';

/**
 * Codes of {@link ControlPlaneError}: what went wrong while building, starting or driving a control plane.
 *
 * - `ASSETS_MISSING`: `CAPSTAN_ASSETS` or `KUBEBUILDER_ASSETS` names a folder without the binaries;
 * - `BUILD_FAILED`: building the binaries failed (the message holds the `go` command and its last output);
 * - `START_FAILED`: a component failed or exited while starting (the message holds its last log lines), or
 *   openssl failed to make the certificates;
 * - `NOT_RUNNING`: a component was paused or resumed while not running, or etcd refused a compaction;
 * - `TIMEOUT`: a component was not ready in time, a CRD was not served in time, or `waitForKind` gave up;
 * - `INVALID_CRD`: a CRD given to `startControlPlane` could not be read, or the API server refused it.
 *
 * @noExample An error-code union; {@link ControlPlaneError}'s example switches on it.
 */
export type ControlPlaneErrorCode = 'ASSETS_MISSING' | 'BUILD_FAILED' | 'START_FAILED' | 'NOT_RUNNING' | 'TIMEOUT' | 'INVALID_CRD';

/**
 * An error of the local control plane; the message says what to do. {@link startControlPlane} tries a failed
 * start twice more on new ports before it throws one, but not an `INVALID_CRD`, which no retry mends.
 *
 * @example
 * ```ts
 * import { ControlPlaneError, startControlPlane } from 'capstan/testing';
 * try {
 *   const cp = await startControlPlane({ crds: ['config/crd'] });
 *   await cp.stop();
 * } catch (err) {
 *   if (err instanceof ControlPlaneError && err.code === 'INVALID_CRD') console.error(`fix config/crd: ${err.message}`);
 *   throw err;
 * }
 * ```
 */
export class ControlPlaneError extends CapstanError<ControlPlaneErrorCode> {}
