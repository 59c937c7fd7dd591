// The apiserver's version, read once at startup: logged, and compared with the minors the e2e
// suite runs against, so a report from an untested cluster says so in its first lines.
import type { VersionApi } from '@kubernetes/client-node';
import type { Logger } from '../observe/logger.ts';

/** The oldest and newest minors of Kubernetes 1.x the test matrix covers. */
export const TESTED_MINOR_MIN = 32;
export const TESTED_MINOR_MAX = 37;
export const TESTED_RANGE = `1.${TESTED_MINOR_MIN} to 1.${TESTED_MINOR_MAX}`;

export interface ServerVersion {
  major: number;
  minor: number;
  /** Undefined when the server does not say (e.g. a gitVersion without a patch). */
  patch: number | undefined;
  /** As the server reports it, e.g. v1.34.4-eks-1234567. */
  gitVersion: string;
  withinTestedRange: boolean;
}

export interface VersionInfoLike {
  major?: string;
  minor?: string;
  gitVersion?: string;
}

/**
 * Prefers gitVersion (v1.34.4-eks-…); falls back to major/minor, whose minor may carry a "+"
 * on managed clusters (EKS reports "30+").
 */
export function parseServerVersion(info: VersionInfoLike): ServerVersion {
  const gitVersion = info.gitVersion ?? '';
  const git = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(gitVersion);
  const major = git?.[1] !== undefined ? Number(git[1]) : Number.parseInt(info.major ?? '', 10);
  const minor = git?.[2] !== undefined ? Number(git[2]) : Number.parseInt(info.minor ?? '', 10);
  if (!Number.isFinite(major) || !Number.isFinite(minor)) {
    throw new Error(`cannot parse the Kubernetes server version ${JSON.stringify(info)}`);
  }
  const patch = git?.[3] !== undefined ? Number(git[3]) : undefined;
  return {
    major,
    minor,
    patch,
    gitVersion: gitVersion || `v${major}.${minor}`,
    withinTestedRange: major === 1 && minor >= TESTED_MINOR_MIN && minor <= TESTED_MINOR_MAX,
  };
}

/** Reads, logs and returns the server version; a warning when it is outside the tested range. */
export async function readServerVersion(api: Pick<VersionApi, 'getCode'>, logger: Logger): Promise<ServerVersion> {
  const version = parseServerVersion(await api.getCode());
  const fields = { serverVersion: version.gitVersion, testedRange: TESTED_RANGE };
  if (version.withinTestedRange) logger.info(fields, 'Kubernetes server version');
  else logger.warn(fields, `Kubernetes server version ${version.gitVersion} is outside the tested range ${TESTED_RANGE}`);
  return version;
}
