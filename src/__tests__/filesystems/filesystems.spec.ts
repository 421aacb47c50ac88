import { JupyterFrontEnd } from '@jupyterlab/application';
import { FileBrowser, IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { Contents, ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { IFilesystemCheck } from '../../api/types';
import {
  FilesystemBrowsers,
  contentsEndpoint
} from '../../filesystems/browsers';
import { entriesToMount, newlyRefused } from '../../filesystems/entries';
import { drivePathFor } from '../../filesystems/sessions';
import * as fakes from '../fakes';

const HOME = { name: 'HOME', url: 'osfs:///home/alice' };
const WORK = { name: 'WORK', url: 'osfs:///gpfswork/alice' };

describe('entriesToMount', () => {
  it('mounts the admin defaults first, then the user entries', () => {
    const project = { name: 'project', url: 'osfs:///gpfswork/alice/p' };
    expect(
      entriesToMount({ showDefaults: true, filesystems: [project] }, [
        HOME,
        WORK
      ])
    ).toEqual([HOME, WORK, project]);
  });

  it('lets a user entry replace the default of the same name, in place', () => {
    const work = { name: 'WORK', url: 'osfs:///gpfswork/alice/sub' };
    expect(
      entriesToMount({ showDefaults: true, filesystems: [work] }, [HOME, WORK])
    ).toEqual([HOME, work]);
  });

  it('hides the defaults when the user turns them off', () => {
    expect(
      entriesToMount({ showDefaults: false, filesystems: [] }, [HOME, WORK])
    ).toEqual([]);
  });

  it('uses the golden defaults of the server as they come', () => {
    const { defaults } = fakes.filesystems();
    expect(
      entriesToMount({ showDefaults: true, filesystems: [] }, defaults).map(
        e => e.name
      )
    ).toEqual(['HOME', 'WORK', 'SCRATCH']);
  });
});

describe('newlyRefused', () => {
  const refused = (message: string): IFilesystemCheck => ({
    name: 'etc',
    url: 'osfs:///etc',
    valid: false,
    root: null,
    message
  });

  it('tells each refusal once, and again after it was fixed and came back', () => {
    const told = new Set<string>();
    expect(newlyRefused([refused('outside')], told)).toHaveLength(1);
    expect(newlyRefused([refused('outside')], told)).toHaveLength(0);
    expect(newlyRefused([], told)).toHaveLength(0);
    expect(newlyRefused([refused('outside')], told)).toHaveLength(1);
  });
});

describe('FilesystemBrowsers', () => {
  const added: { widget: Widget; area?: string }[] = [];
  const drives: Contents.IDrive[] = [];
  let browsers: FilesystemBrowsers;

  beforeEach(() => {
    added.length = 0;
    drives.length = 0;
    const factory = {
      createFileBrowser: (id: string, options: { driveName?: string }) => {
        const browser = new Widget();
        browser.id = id;
        browser.dataset.drive = options.driveName ?? '';
        // The browsers only put the filesystem's name in the toolbar.
        return Object.assign(browser, {
          toolbar: { insertItem: () => true, addItem: () => true },
          model: { path: `${options.driveName}:` }
        }) as unknown as FileBrowser;
      }
    } as unknown as IFileBrowserFactory;
    browsers = new FilesystemBrowsers({
      contents: {
        addDrive: (drive: Contents.IDrive) => drives.push(drive)
      } as unknown as Contents.IManager,
      serverSettings: ServerConnection.makeSettings(),
      factory,
      shell: {
        add: (widget: Widget, area?: string) => added.push({ widget, area })
      } as unknown as JupyterFrontEnd.IShell,
      trans: nullTranslator.load('jupyterlab_hpc'),
      translator: nullTranslator,
      commands: new CommandRegistry()
    });
  });

  const valid = (name: string, root: string): IFilesystemCheck => ({
    name,
    url: `osfs://${root}`,
    valid: true,
    root,
    message: null
  });

  it('opens one left-sidebar browser on its own drive per valid filesystem', () => {
    browsers.update([
      valid('WORK', '/gpfswork/alice'),
      { ...valid('etc', '/etc'), valid: false, root: null, message: 'no' }
    ]);
    expect(browsers.names).toEqual(['WORK']);
    expect(added.map(a => [a.widget.id, a.area])).toEqual([
      ['jp-hpc-filesystem-WORK', 'left']
    ]);
    expect(drives.map(d => d.name)).toEqual(['WORK']);
    expect(added[0].widget.dataset.drive).toBe('WORK');
    expect(added[0].widget.title.label).toBe('WORK');
    expect(added[0].widget.title.caption).toContain('/gpfswork/alice');
  });

  it('closes the browser of an entry removed or moved, and reuses its drive', () => {
    browsers.update([valid('WORK', '/gpfswork/alice')]);
    const first = added[0].widget;
    browsers.update([valid('WORK', '/gpfswork/alice/sub')]);
    expect(first.isDisposed).toBe(true);
    expect(added).toHaveLength(2);
    expect(drives).toHaveLength(1);
    browsers.update([]);
    expect(added[1].widget.isDisposed).toBe(true);
    expect(browsers.names).toEqual([]);
  });

  it('talks to the filesystem contents route of the server', () => {
    expect(contentsEndpoint('WORK')).toBe(
      'jupyterlab-hpc/filesystems/WORK/contents'
    );
  });
});

describe('drivePathFor', () => {
  const drives = new Set(['WORK']);

  it('keeps the drive of a notebook at the top level of a filesystem', () => {
    const starts = [{ path: 'WORK:nb.ipynb', pending: 'abc-123' }];
    expect(drivePathFor('abc-123', starts, drives)).toBe('WORK:abc-123');
  });

  it('leaves other starts to JupyterLab', () => {
    // a sub-folder keeps its drive by itself; other drives and the server root are not ours
    expect(
      drivePathFor(
        'WORK:sub/abc',
        [{ path: 'WORK:sub/nb.ipynb', pending: 'WORK:sub/abc' }],
        drives
      )
    ).toBeNull();
    expect(
      drivePathFor('abc', [{ path: 'RTC:nb.ipynb', pending: 'abc' }], drives)
    ).toBeNull();
    expect(
      drivePathFor('abc', [{ path: 'nb.ipynb', pending: 'abc' }], drives)
    ).toBeNull();
    expect(drivePathFor('abc', [], drives)).toBeNull();
  });
});
