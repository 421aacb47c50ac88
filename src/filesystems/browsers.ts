import { JupyterFrontEnd } from '@jupyterlab/application';
import { URLExt } from '@jupyterlab/coreutils';
import {
  FileBrowser,
  IFileBrowserFactory,
  Uploader
} from '@jupyterlab/filebrowser';
import { Contents, Drive, ServerConnection } from '@jupyterlab/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import {
  ToolbarButton,
  addIcon,
  folderIcon,
  newFolderIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import { API_NAMESPACE } from '../api/client';
import { IFilesystemCheck } from '../api/types';

/** The contents route of one mounted filesystem, relative to the base URL. */
export function contentsEndpoint(name: string): string {
  return URLExt.join(
    API_NAMESPACE,
    'filesystems',
    encodeURIComponent(name),
    'contents'
  );
}

/** The id of a filesystem's sidebar browser (also its layout-restorer key). */
export function browserId(name: string): string {
  return `jp-hpc-filesystem-${name}`;
}

/**
 * One left-sidebar file browser per mounted filesystem, each on a drive
 * named after it, so files open, save and start kernels as `NAME:path`.
 */
export class FilesystemBrowsers implements IDisposable {
  constructor(options: FilesystemBrowsers.IOptions) {
    this._options = options;
  }

  /** The names of the filesystems shown now, in sidebar order. */
  get names(): string[] {
    return [...this._browsers.keys()];
  }

  /** The names of the drives of mounted filesystems (browsers shown now). */
  get drives(): ReadonlySet<string> {
    return new Set(this._browsers.keys());
  }

  /** Whether the browsers are disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Show the valid checks as browsers; close those no longer valid or listed. */
  update(checks: IFilesystemCheck[]): void {
    const valid = checks.filter(check => check.valid && check.root);
    for (const [name, shown] of this._browsers) {
      if (!valid.some(c => c.name === name && c.root === shown.root)) {
        shown.browser.dispose();
        this._browsers.delete(name);
      }
    }
    valid.forEach((check, index) => {
      if (!this._browsers.has(check.name)) {
        this._browsers.set(check.name, {
          root: check.root!,
          browser: this._open(check.name, check.root!, index)
        });
      }
    });
  }

  /** Close every browser. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const shown of this._browsers.values()) {
      shown.browser.dispose();
    }
    this._browsers.clear();
  }

  private _open(name: string, root: string, index: number): FileBrowser {
    const { contents, factory, shell, trans } = this._options;
    // ContentsManager has no removeDrive: a drive stays, and is reused if
    // the name comes back (its endpoint only depends on the name).
    if (!this._drives.has(name)) {
      const drive = new Drive({
        name,
        apiEndpoint: contentsEndpoint(name),
        serverSettings: this._options.serverSettings
      });
      contents.addDrive(drive);
      this._drives.add(name);
    }
    const browser = factory.createFileBrowser(browserId(name), {
      driveName: name
    });
    browser.addClass('jp-hpc-FilesystemBrowser');
    browser.title.icon = folderIcon;
    // The name under the icon tells the filesystems' tabs apart.
    browser.title.label = name;
    browser.title.caption = trans.__('Filesystem %1 (%2)', name, root);
    const header = new Widget();
    header.addClass('jp-hpc-FilesystemBrowser-name');
    header.node.textContent = name;
    header.node.title = root;
    browser.toolbar.insertItem(0, 'hpc-filesystem-name', header);
    // The stock browser's buttons come from its own plugin's toolbar registry;
    // these browsers get the everyday ones here.
    browser.toolbar.addItem(
      'hpc-new-launcher',
      new ToolbarButton({
        icon: addIcon,
        tooltip: trans.__('New Launcher in %1', name),
        onClick: () =>
          void this._options.commands.execute('launcher:create', {
            cwd: browser.model.path
          })
      })
    );
    browser.toolbar.addItem(
      'hpc-new-folder',
      new ToolbarButton({
        icon: newFolderIcon,
        tooltip: trans.__('New Folder'),
        onClick: () => void browser.createNewDirectory()
      })
    );
    browser.toolbar.addItem(
      'hpc-upload',
      new Uploader({
        model: browser.model,
        translator: this._options.translator
      })
    );
    browser.toolbar.addItem(
      'hpc-refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Refresh the File List'),
        onClick: () => void browser.model.refresh()
      })
    );
    shell.add(browser, 'left', {
      rank: (this._options.rank ?? 150) + index,
      type: 'HPC Filesystem'
    });
    return browser;
  }

  private _options: FilesystemBrowsers.IOptions;
  private _browsers = new Map<string, { root: string; browser: FileBrowser }>();
  private _drives = new Set<string>();
  private _isDisposed = false;
}

/** A namespace for `FilesystemBrowsers` statics. */
export namespace FilesystemBrowsers {
  /** What the browsers need from the application. */
  export interface IOptions {
    /** The application's contents manager, which gets one drive per filesystem. */
    contents: Contents.IManager;
    /** The server the drives talk to. */
    serverSettings: ServerConnection.ISettings;
    /** Makes file browsers that open documents with the document manager. */
    factory: IFileBrowserFactory;
    /** Where the browsers go (the left sidebar). */
    shell: JupyterFrontEnd.IShell;
    /** Translates the captions. */
    trans: TranslationBundle;
    /** The translator, for the upload button. */
    translator: ITranslator;
    /** Runs the new-launcher button's command. */
    commands: CommandRegistry;
    /** The sidebar rank of the first browser (150: after the running sessions). */
    rank?: number;
  }
}
