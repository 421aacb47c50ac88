import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { HPCClient, IHPCClient } from '../api/client';
import { VERSION } from '../version';
import { checkHandshake, HandshakeProblem } from './handshake';

/** Provides the API client and tells the user when the server part is missing. */
export const clientPlugin: JupyterFrontEndPlugin<IHPCClient> = {
  id: 'jupyterlab-hpc:client',
  description: 'The HTTP client of the jupyterlab-hpc server extension.',
  autoStart: true,
  provides: IHPCClient,
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null
  ): IHPCClient => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const client = new HPCClient({
      serverSettings: app.serviceManager.serverSettings
    });
    void client
      .info()
      .catch((error: unknown) => error)
      .then(answer => {
        const result = checkHandshake(VERSION, answer);
        if (result.ok) {
          return;
        }
        const message = Private.describe(result.problem, trans);
        console.warn(`jupyterlab-hpc: ${message}`);
        Notification.emit(message, result.level, { autoClose: false });
      });
    return client;
  }
};

namespace Private {
  /** The user-facing text of a handshake problem. */
  export function describe(
    problem: HandshakeProblem,
    trans: ReturnType<ITranslator['load']>
  ): string {
    switch (problem.kind) {
      case 'missing':
        return trans.__(
          'The jupyterlab-hpc server extension is not running, so the HPC meters and panels stay empty. Ask your administrator to run "jupyter server extension enable jupyterlab_hpc" and restart the server.'
        );
      case 'mismatch':
        return trans.__(
          'jupyterlab-hpc versions differ: the browser part is %1 but the server part is %2. Reinstall the package and restart the server, then reload this page.',
          problem.frontend,
          problem.server
        );
      case 'failed':
        return trans.__(
          'The jupyterlab-hpc server extension did not answer: %1',
          problem.message
        );
    }
  }
}
