import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IMetrics } from '../../api/types';
import { formatGrams } from '../../emissions/format';
import { EmissionsMeterModel } from '../../emissions/model';
import { EmissionsMeter } from '../../emissions/widget';
import { MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';
import { flush, rendered } from '../wait';

describe('formatGrams', () => {
  it('moves from g to kg to t as the total grows', () => {
    expect(formatGrams(0.034)).toBe('0.03 g');
    expect(formatGrams(12.31)).toBe('12.3 g');
    expect(formatGrams(999)).toBe('999 g');
    expect(formatGrams(1250)).toBe('1.25 kg');
    expect(formatGrams(3.1e6)).toBe('3.10 t');
  });
});

describe('EmissionsMeter', () => {
  let client: fakes.FakeClient;
  let metrics: MetricsModel;
  let model: EmissionsMeterModel;
  let meter: EmissionsMeter;

  async function show(change: (m: IMetrics) => void = () => undefined) {
    const snapshot = fakes.metrics();
    change(snapshot);
    client.next = async () => snapshot;
    await metrics.refresh();
    await flush();
    await rendered(meter);
  }

  beforeEach(() => {
    client = new fakes.FakeClient();
    metrics = new MetricsModel({ client, auto: false, standby: 'never' });
    model = new EmissionsMeterModel({ metrics });
    meter = new EmissionsMeter({
      model,
      trans: nullTranslator.load('jupyterlab_hpc')
    });
    Widget.attach(meter, document.body);
  });

  afterEach(() => {
    meter.dispose();
    model.dispose();
    metrics.dispose();
  });

  it('shows the total with the factor, its provider and the energy', async () => {
    await show();

    expect(meter.node.textContent).toBe('CO212.3 g');
    expect(meter.node.title).toContain(
      'Grid emission factor: 15 g/kWh from RTE éCO2mix (ODRÉ)'
    );
    expect(meter.node.title).toContain('Energy: 821 Wh since');
  });

  it('marks a stale factor with its age', async () => {
    await show(m => {
      m.emissions.factor_status = 'stale';
      m.emissions.factor_age_s = 7200;
    });

    expect(meter.node.textContent).toBe('CO2≈12.3 g');
    expect(meter.node.title).toContain('using its last factor, 2.0 h old');
  });

  it('says when the factor is an annual estimate', async () => {
    await show(m => {
      m.emissions.factor_status = 'estimated';
    });

    expect(meter.node.classList.contains('jp-mod-approximate')).toBe(true);
    expect(meter.node.title).toContain('annual average factor');
  });

  it('hides itself without an estimate', async () => {
    await show(m => {
      m.emissions = { ...m.emissions, available: false, co2_g: null };
    });

    expect(model.available).toBe(false);
    expect(meter.node.textContent).toBe('');
  });
});
