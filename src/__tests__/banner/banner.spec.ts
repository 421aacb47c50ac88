import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IInfo } from '../../api/types';
import { BannerModel, bannerLevel } from '../../banner/model';
import { BannerWidget } from '../../banner/widget';
import * as fakes from '../fakes';

const trans = nullTranslator.load('jupyterlab_hpc');

/** A banner widget over a server that answers `info`. */
async function showBanner(
  info: Partial<IInfo>
): Promise<{ widget: BannerWidget; model: BannerModel }> {
  const client = new fakes.FakeClient();
  client.info = async () => ({ ...fakes.info(), ...info });
  const model = new BannerModel({ client });
  const widget = new BannerWidget({ model, trans });
  Widget.attach(widget, document.body);
  await model.refresh();
  return { widget, model };
}

const SANDBOX_OFF = { enabled: false, reason: 'shares the host namespace' };
const SANDBOX_ON = { enabled: true, reason: 'Set by the spawner' };

describe('BannerWidget', () => {
  let shown: { widget: BannerWidget; model: BannerModel } | null = null;

  afterEach(() => {
    shown?.widget.dispose();
    shown?.model.dispose();
    shown = null;
  });

  it.each(['info', 'warning', 'critical'])(
    'shows the text styled by its %s level',
    async level => {
      // given the admin's banner at this level
      shown = await showBanner({
        banner: { text: 'Maintenance <b>tonight</b>', level },
        sandbox: SANDBOX_OFF
      });
      const node = shown.widget.node;
      // then the text shows as plain text, with exactly that level's class
      expect(shown.widget.isHidden).toBe(false);
      expect(node.querySelector('.jp-hpc-Banner-text')!.textContent).toBe(
        'Maintenance <b>tonight</b>'
      );
      expect(node.querySelector('b')).toBeNull();
      expect(node.classList).toContain(`jp-mod-${level}`);
      const others = ['info', 'warning', 'critical'].filter(l => l !== level);
      for (const other of others) {
        expect(node.classList).not.toContain(`jp-mod-${other}`);
      }
      // and the sandbox badge is not there
      expect(
        node.querySelector<HTMLElement>('.jp-hpc-Banner-sandbox')!.hidden
      ).toBe(true);
    }
  );

  it('reads an unknown level as info', () => {
    expect(bannerLevel('panic')).toBe('info');
    expect(bannerLevel(undefined)).toBe('info');
    expect(bannerLevel('critical')).toBe('critical');
  });

  it('is hidden without banner and outside a sandbox', async () => {
    shown = await showBanner({ banner: null, sandbox: SANDBOX_OFF });
    expect(shown.widget.isHidden).toBe(true);
  });

  it('shows the sandbox badge with a tooltip that explains it', async () => {
    // given a sandboxed server without an admin banner
    shown = await showBanner({ banner: null, sandbox: SANDBOX_ON });
    const node = shown.widget.node;
    const badge = node.querySelector<HTMLElement>('.jp-hpc-Banner-sandbox')!;
    // then the badge shows, alone
    expect(shown.widget.isHidden).toBe(false);
    expect(badge.hidden).toBe(false);
    expect(badge.textContent).toBe('Sandbox');
    expect(node.querySelector<HTMLElement>('.jp-hpc-Banner-text')!.hidden).toBe(
      true
    );
    // and its tooltip and accessible description say what it means
    expect(badge.title).toMatch(/unreachable from the host network/);
    expect(badge.title).toMatch(/MPI\/NCCL jobs cannot reach this server/);
    const description = document.getElementById(
      badge.getAttribute('aria-describedby')!
    )!;
    expect(description.textContent).toBe(badge.title);
    expect(badge.tabIndex).toBe(0);
  });

  it('follows the server when the banner changes', async () => {
    // given a banner shown
    const client = new fakes.FakeClient();
    let banner: IInfo['banner'] = { text: 'Maintenance', level: 'warning' };
    client.info = async () => ({
      ...fakes.info(),
      banner,
      sandbox: SANDBOX_OFF
    });
    const model = new BannerModel({ client });
    const widget = new BannerWidget({ model, trans });
    shown = { widget, model };
    await model.refresh();
    expect(widget.isHidden).toBe(false);
    // when its window closes on the server
    banner = null;
    await model.refresh();
    // then it goes away
    expect(widget.isHidden).toBe(true);
    expect(widget.node.classList).not.toContain('jp-mod-warning');
  });
});
