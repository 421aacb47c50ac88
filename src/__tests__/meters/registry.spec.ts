import { StatusBar } from '@jupyterlab/statusbar';
import { VDomModel } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { MeterRegistry } from '../../meters/registry';

/** A meter model whose availability the test sets. */
class Model extends VDomModel {
  get available(): boolean {
    return this._available;
  }
  set available(value: boolean) {
    this._available = value;
    this.stateChanged.emit();
  }
  private _available = true;
}

/** The meter views with `label` that are attached and visible under `root`. */
function visible(root: Widget, label: string): Element[] {
  return Array.from(root.node.querySelectorAll(`.test-${label}`)).filter(
    node => !node.classList.contains('lm-mod-hidden')
  );
}

describe('MeterRegistry', () => {
  let statusBar: StatusBar;
  let registry: MeterRegistry;
  let model: Model;
  let created: number;

  beforeEach(() => {
    statusBar = new StatusBar();
    Widget.attach(statusBar, document.body);
    registry = new MeterRegistry({ statusBar });
    Widget.attach(registry.topGroup, document.body);
    model = new Model();
    created = 0;
    registry.add({
      id: 'test:cpu',
      rank: 3,
      model,
      createWidget: () => {
        created++;
        const widget = new Widget();
        widget.addClass('test-cpu');
        return widget;
      }
    });
  });

  afterEach(() => {
    registry.topGroup.dispose();
    statusBar.dispose();
  });

  it('shows a meter in the status bar by default, not in the top bar', () => {
    expect(created).toBe(2);
    expect(visible(statusBar, 'cpu')).toHaveLength(1);
    expect(registry.topGroup.isHidden).toBe(true);
  });

  it('moves the meter to the top bar and back', () => {
    registry.placement = 'top-bar';

    expect(visible(statusBar, 'cpu')).toHaveLength(0);
    expect(registry.topGroup.isHidden).toBe(false);
    expect(visible(registry.topGroup, 'cpu')).toHaveLength(1);

    registry.placement = 'status-bar';

    expect(visible(statusBar, 'cpu')).toHaveLength(1);
    expect(registry.topGroup.isHidden).toBe(true);
  });

  it('hides the meter in both places while it has no reading', () => {
    model.available = false;
    expect(visible(statusBar, 'cpu')).toHaveLength(0);

    registry.placement = 'top-bar';
    expect(visible(registry.topGroup, 'cpu')).toHaveLength(0);

    model.available = true;
    expect(visible(registry.topGroup, 'cpu')).toHaveLength(1);
  });

  it('orders top-bar meters by rank', () => {
    for (const [label, rank] of [
      ['mem', 2],
      ['co2', 5]
    ] as const) {
      registry.add({
        id: `test:${label}`,
        rank,
        model: new Model(),
        createWidget: () => {
          const widget = new Widget();
          widget.addClass(`test-${label}`);
          return widget;
        }
      });
    }
    const order = registry.topGroup.widgets.map(w =>
      Array.from(w.node.classList).find(c => c.startsWith('test-'))
    );
    expect(order).toEqual(['test-mem', 'test-cpu', 'test-co2']);
  });
});
