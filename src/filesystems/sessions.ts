import { JupyterFrontEnd } from '@jupyterlab/application';
import { Session } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

/** What a document's session context shows of a kernel start in progress. */
export interface IPendingStart {
  /** The document's path, `DRIVE:file.ipynb` for one at a drive's top level. */
  path: string;
  /** The temporary session path the start was asked with (`<dir>/<uuid>`). */
  pending: string | null;
}

/**
 * The path to start a kernel with, so that the server can tell its folder:
 * `DRIVE:<uuid>` for a document at the top level of one of `drives`, else null.
 *
 * JupyterLab's SessionContext starts a kernel at `PathExt.dirname(path)/<uuid>`
 * and renames the session afterwards; `dirname('WORK:nb.ipynb')` is '' (no
 * slash), so the drive, and with it the kernel's folder, would be lost.
 */
export function drivePathFor(
  requested: string,
  starts: IPendingStart[],
  drives: ReadonlySet<string>
): string | null {
  if (requested.includes(':') || requested.includes('/')) {
    return null;
  }
  const start = starts.find(s => s.pending === requested);
  if (!start) {
    return null;
  }
  const [drive, local] = Private.split(start.path);
  if (drive === null || !drives.has(drive) || local.includes('/')) {
    return null;
  }
  return `${drive}:${requested}`;
}

/**
 * Start kernels of notebooks at a filesystem's top level in that filesystem:
 * the session is created at `DRIVE:<uuid>`, then given back the path its
 * SessionContext expects, which then renames it to the document's as usual.
 */
export function keepDrivesOfKernels(
  sessions: Session.IManager,
  shell: JupyterFrontEnd.IShell,
  drives: () => ReadonlySet<string>
): void {
  const startNew = sessions.startNew.bind(sessions);
  sessions.startNew = async (createOptions, connectOptions) => {
    const requested = createOptions.path ?? '';
    const path = drivePathFor(
      requested,
      Private.pendingStarts(shell),
      drives()
    );
    if (path === null) {
      return startNew(createOptions, connectOptions);
    }
    const session = await startNew({ ...createOptions, path }, connectOptions);
    await session.setPath(requested);
    return session;
  };
}

namespace Private {
  /** A path's drive (null for the server's own) and its local part. */
  export function split(path: string): [string | null, string] {
    const colon = path.indexOf(':');
    const slash = path.indexOf('/');
    if (colon <= 0 || (slash !== -1 && slash < colon)) {
      return [null, path];
    }
    return [path.slice(0, colon), path.slice(colon + 1)];
  }

  /** A widget's document session context, where it has one. */
  interface ISessionContextLike {
    path: string;
    _pendingSessionRequest?: string;
  }

  /** A document widget (its context's session) or a notebook panel. */
  interface IWithSession {
    context?: { sessionContext?: ISessionContextLike };
    sessionContext?: ISessionContextLike;
  }

  /** The kernel starts in progress of the documents open in the main area. */
  export function pendingStarts(
    shell: JupyterFrontEnd.IShell
  ): IPendingStart[] {
    const starts: IPendingStart[] = [];
    for (const widget of shell.widgets('main') as Iterable<
      Widget & IWithSession
    >) {
      const context = widget.context?.sessionContext ?? widget.sessionContext;
      // A private field of SessionContext: without it, nothing is changed.
      if (context && context._pendingSessionRequest) {
        starts.push({
          path: context.path,
          pending: context._pendingSessionRequest
        });
      }
    }
    return starts;
  }
}
