import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { IHPCClient } from '../api/client';
import { CommandIDs as HubCommandIDs } from '../hub/commands';

/** This JupyterLab's own Slurm job, as the Slurm panel shows it. */
export interface ISlurmSession {
  /** The id of the job this server runs in; null outside a job or before `GET info` answers. */
  readonly jobId: string | null;
  /** Whether "End Session" is offered (under a hub, in a job). */
  readonly canEnd: boolean;
  /** Ask, then end the session. */
  end(): Promise<void>;
  /** Emitted when the job or `canEnd` changes. */
  readonly changed: ISignal<ISlurmSession, void>;
}

/**
 * The session's job from `GET info` (read once: `SLURM_JOB_ID` does not
 * change for the server's life), and "End Session" through its command.
 */
export class SlurmSession implements ISlurmSession, IDisposable {
  constructor(options: SlurmSession.IOptions) {
    this._commands = options.commands;
    this._commands.commandChanged.connect(this._onCommand, this);
    void options.client.info().then(
      info => {
        if (!this._disposed) {
          this._jobId = info.job?.id ?? null;
          this._changed.emit();
        }
      },
      // Without GET info, no row is marked.
      () => undefined
    );
  }

  get jobId(): string | null {
    return this._jobId;
  }

  get canEnd(): boolean {
    const id = HubCommandIDs.endSession;
    return this._commands.isVisible(id) && this._commands.isEnabled(id);
  }

  async end(): Promise<void> {
    if (this.canEnd) {
      await this._commands.execute(HubCommandIDs.endSession);
    }
  }

  get changed(): ISignal<ISlurmSession, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._commands.commandChanged.disconnect(this._onCommand, this);
    Signal.clearData(this);
  }

  private _onCommand(
    sender: CommandRegistry,
    change: CommandRegistry.ICommandChangedArgs
  ): void {
    if (change.id === HubCommandIDs.endSession || change.id === undefined) {
      this._changed.emit();
    }
  }

  private _commands: CommandRegistry;
  private _jobId: string | null = null;
  private _disposed = false;
  private _changed = new Signal<ISlurmSession, void>(this);
}

/** A namespace for `SlurmSession` statics. */
export namespace SlurmSession {
  /** The options of the session. */
  export interface IOptions {
    /** The API client (`GET info`). */
    client: IHPCClient;
    /** The application's commands, where "End Session" is. */
    commands: CommandRegistry;
  }
}
