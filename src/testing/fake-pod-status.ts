// What a kubelet would do next to a Pod, and the status it would report for it running: the pure half of
// startFakeKubelet (fake-kubelet.ts), tested without a cluster.
import { type KubeObject, UsageError } from '../core/index.ts';

/** The parts of a `v1` Pod the fake kubelet reads and writes. */
export interface FakeKubeletPod extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: Array<{ name: string; image?: string }>;
    initContainers?: Array<{ name: string; image?: string; restartPolicy?: string }>;
    readinessGates?: Array<{ conditionType: string }>;
  };
  status?: PodStatus;
}

/** A `v1` PodCondition. */
export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

/** A `v1` ContainerStatus, as far as the fake kubelet fills it. */
export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: {
    running?: { startedAt: string };
    terminated?: { exitCode: number; reason?: string; startedAt?: string; finishedAt?: string; containerID?: string };
    waiting?: { reason?: string; message?: string };
  };
}

/** A `v1` PodStatus, as far as the fake kubelet fills it. */
export interface PodStatus {
  phase?: string;
  conditions?: PodCondition[];
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
  hostIP?: string;
  hostIPs?: Array<{ ip: string }>;
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

/**
 * What the fake kubelet does next to a Pod:
 * - `bind`: unscheduled, so bind it to the fake Node (the scheduler's part);
 * - `report`: on the fake Node, and its status is not yet the one {@link runningPodStatus} gives;
 * - `finishDeletion`: on the fake Node and being deleted gracefully, so delete it now (grace period 0), as a
 *   kubelet does once its containers stopped: without that, it and its namespace stay Terminating forever;
 * - `none`: nothing (done, finished, being deleted at once already, or another node's).
 */
export type FakeKubeletAction = 'bind' | 'report' | 'finishDeletion' | 'none';

/** Decide {@link FakeKubeletAction} for `pod`, run by a fake kubelet of the Node `nodeName`. */
export function fakeKubeletAction(pod: FakeKubeletPod, nodeName: string): FakeKubeletAction {
  const boundTo = pod.spec?.nodeName;
  if (pod.metadata.deletionTimestamp) {
    return boundTo === nodeName && pod.metadata.deletionGracePeriodSeconds !== 0 ? 'finishDeletion' : 'none';
  }
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 'none';
  if (!boundTo) return 'bind';
  if (boundTo !== nodeName) return 'none';
  const current = pod.status ?? {};
  const podIP = current.podIP ?? '0.0.0.0';
  const desired = runningPodStatus(pod, { podIP, hostIP: current.hostIP ?? podIP, now: '' });
  return statusSummary(current) === statusSummary(desired) ? 'none' : 'report';
}

/**
 * The status a kubelet reports for `pod` once every container runs and passes its readiness probe: phase
 * Running, `podIP`, conditions PodReadyToStartContainers, PodScheduled, Initialized, ContainersReady and
 * Ready True (Ready False while a readiness gate of the Pod is not True), each container running and ready,
 * each init container completed (a sidecar, `restartPolicy: Always`, running and ready).
 * A condition keeps its `lastTransitionTime` while its status stays; other conditions (a readiness gate's) are kept.
 */
export function runningPodStatus(pod: FakeKubeletPod, at: { podIP: string; hostIP: string; now: string }): PodStatus {
  const old = pod.status ?? {};
  const startTime = old.startTime ?? at.now;
  const gatesPass = (pod.spec?.readinessGates ?? []).every(
    (gate) => old.conditions?.find((c) => c.type === gate.conditionType)?.status === 'True',
  );
  const ours: Array<[string, boolean]> = [
    ['PodReadyToStartContainers', true],
    ['PodScheduled', true],
    ['Initialized', true],
    ['ContainersReady', true],
    ['Ready', gatesPass],
  ];
  const conditions: PodCondition[] = ours.map(([type, isTrue]) => {
    const status = isTrue ? 'True' : 'False';
    const previous = old.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      ...(isTrue ? {} : { reason: 'ReadinessGatesNotReady', message: 'the readiness gates of the Pod are not all True' }),
      lastProbeTime: null,
      lastTransitionTime: previous?.status === status && previous.lastTransitionTime ? previous.lastTransitionTime : at.now,
    };
  });
  const others = (old.conditions ?? []).filter((c) => !ours.some(([type]) => type === c.type));
  const containerID = (name: string) => `capstan://${pod.metadata.uid ?? pod.metadata.name}/${name}`;
  const running = (c: { name: string; image?: string }): ContainerStatus => ({
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    containerID: containerID(c.name),
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: startTime } },
  });
  const status: PodStatus = {
    phase: 'Running',
    conditions: [...conditions, ...others],
    podIP: at.podIP,
    podIPs: [{ ip: at.podIP }],
    hostIP: at.hostIP,
    hostIPs: [{ ip: at.hostIP }],
    startTime,
    containerStatuses: (pod.spec?.containers ?? []).map(running),
  };
  const init = pod.spec?.initContainers ?? [];
  if (init.length > 0) {
    status.initContainerStatuses = init.map((c) =>
      c.restartPolicy === 'Always'
        ? running(c)
        : {
            ...running(c),
            started: false,
            state: {
              terminated: {
                exitCode: 0,
                reason: 'Completed',
                startedAt: startTime,
                finishedAt: startTime,
                containerID: containerID(c.name),
              },
            },
          },
    );
  }
  return status;
}

/** What decides whether a status needs writing: phase, addresses, condition statuses, container readiness and state. */
function statusSummary(status: PodStatus): string {
  const containers = (list: ContainerStatus[] | undefined) =>
    (list ?? []).map((c) => `${c.name}:${c.ready}:${Object.keys(c.state ?? {}).join('')}`).sort();
  return JSON.stringify([
    status.phase,
    status.podIP,
    status.hostIP,
    (status.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort(),
    containers(status.containerStatuses),
    containers(status.initContainerStatuses),
  ]);
}

/**
 * The first address of `10.244.0.0/16` (the pod range kind and flannel use; the test control plane's Services
 * are in `10.0.0.0/24`) from `start` on that `inUse` does not hold.
 */
export function freePodIP(inUse: ReadonlySet<string>, start = 1): string {
  for (let n = Math.max(1, start); n < 65_535; n++) {
    const ip = `10.244.${n >> 8}.${n & 255}`;
    if ((n & 255) !== 0 && (n & 255) !== 255 && !inUse.has(ip)) return ip;
  }
  throw new UsageError('INVALID_STATE', 'every address of 10.244.0.0/16 is taken by a Pod of this namespace');
}
