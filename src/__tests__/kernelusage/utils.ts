/** Helpers of the kernel usage tests: fake session and kernel managers. */
import { Kernel, KernelSpec, Session } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';

import { IKernelUsage, IMetrics } from '../../api/types';
import { KernelUsageModel } from '../../kernelusage/model';
import { MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';
import { waitFor } from '../wait';

export { trans } from '../slurm/utils';

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/** A kernel as the server measures it. */
export function usage(
  id: string,
  memoryBytes: number,
  overrides: Partial<IKernelUsage> = {}
): IKernelUsage {
  return {
    id,
    pid: 4000 + id.length,
    memory_bytes: memoryBytes,
    cpu_cores: 0.52,
    processes: 1,
    ...overrides
  };
}

/** The golden snapshot (a 5 GB limit) with these kernels. */
export function snapshot(kernels: IKernelUsage[]): IMetrics {
  return {
    ...fakes.metrics(),
    kernels: { available: true, kernels, reason: null }
  };
}

/** Sessions and kernels whose lists the test sets, as JupyterLab's managers give them. */
export class FakeServices {
  sessions: Session.IModel[] = [];
  kernels: Kernel.IModel[] = [];
  /** Kernel ids shut down, in order. */
  shutdowns: string[] = [];
  /** What `shutdown` does, after it records the id. */
  nextShutdown: (id: string) => Promise<void> = async id => {
    this.kernels = this.kernels.filter(kernel => kernel.id !== id);
  };

  /** Emitted as JupyterLab's session manager does when sessions change. */
  readonly sessionsChanged = new Signal<this, Session.IModel[]>(this);

  readonly sessionManager = {
    running: () => this.sessions[Symbol.iterator](),
    runningChanged: this.sessionsChanged
  } as unknown as KernelUsageModel.ISessions;

  readonly kernelManager = {
    running: () => this.kernels[Symbol.iterator](),
    runningChanged: new Signal<unknown, Kernel.IModel[]>(this),
    shutdown: async (id: string) => {
      this.shutdowns.push(id);
      await this.nextShutdown(id);
    }
  } as unknown as KernelUsageModel.IKernels & Pick<Kernel.IManager, 'shutdown'>;

  readonly specs: KernelUsageModel.ISpecs = {
    specs: {
      default: 'python3',
      kernelspecs: {
        python3: {
          name: 'python3',
          display_name: 'Python 3 (ipykernel)',
          language: 'python',
          argv: [],
          resources: {}
        } as KernelSpec.ISpecModel
      }
    }
  };

  /** A notebook's session on a kernel of that id. */
  addNotebook(kernelId: string, path: string, type = 'notebook'): void {
    this.sessions.push({
      id: `session-${kernelId}`,
      name: path.split('/').pop()!,
      path,
      type,
      kernel: { id: kernelId, name: 'python3' }
    });
    this.addKernel(kernelId);
  }

  /** A kernel no session uses. */
  addKernel(id: string, name = 'python3'): void {
    this.kernels.push({ id, name });
  }
}

/** A metrics model answering `next`, polled by hand. */
export function metricsModel(next: () => IMetrics): MetricsModel {
  const client = new fakes.FakeClient();
  client.next = async () => next();
  return new MetricsModel({ client, auto: false, standby: 'never' });
}

/** Poll once, and wait until the answer reached the model and the poll settled. */
export async function poll(metrics: MetricsModel): Promise<void> {
  const answered = new Promise<void>(resolve => {
    const done = () => {
      metrics.changed.disconnect(done);
      resolve();
    };
    metrics.changed.connect(done);
  });
  void metrics.refresh();
  await answered;
  // A refresh asked while the last one is still 'refreshed' would be dropped.
  await waitFor(() => metrics.poll.state.phase !== 'refreshed');
  if (metrics.error) {
    throw metrics.error;
  }
}
