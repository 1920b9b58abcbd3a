import { CapstanError } from '../core/index.ts';

/**
 * Codes of {@link ControlPlaneError}: what went wrong while building, starting or driving a control plane.
 * `INVALID_CRD`: a CRD given to `startControlPlane` could not be read, or the API server refused it.
 */
export type ControlPlaneErrorCode = 'ASSETS_MISSING' | 'BUILD_FAILED' | 'START_FAILED' | 'NOT_RUNNING' | 'TIMEOUT' | 'INVALID_CRD';

/** An error of the local control plane; the message says what to do. */
export class ControlPlaneError extends CapstanError<ControlPlaneErrorCode> {}
