import { TranslationBundle } from '@jupyterlab/translation';
import { addIcon, closeIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IEnvRow } from './memory';

/** Whether a name is a shell variable name, as the server accepts. */
export function validEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/**
 * Environment variable rows: a name and a value each, added and removed
 * with buttons that the keyboard reaches; focus follows (a new row's name,
 * or the Add button after a removal).
 */
export function EnvRows(props: {
  rows: IEnvRow[];
  disabled: boolean;
  trans: TranslationBundle;
  /** Change the rows, from the latest ones. */
  onChange(change: (rows: IEnvRow[]) => IEnvRow[]): void;
}): JSX.Element {
  const { rows, trans } = props;
  const container = React.useRef<HTMLDivElement>(null);
  // What to focus once React has drawn the change.
  const focus = React.useRef<string | null>(null);
  React.useEffect(() => {
    if (focus.current) {
      container.current?.querySelector<HTMLElement>(focus.current)?.focus();
      focus.current = null;
    }
  });

  const change = (index: number, field: keyof IEnvRow, text: string) =>
    props.onChange(old =>
      old.map((row, i) => (i === index ? { ...row, [field]: text } : row))
    );
  const add = () => {
    focus.current = `[data-row="${rows.length}"] .jp-hpc-LaunchDialog-envName`;
    props.onChange(old => [...old, { name: '', value: '' }]);
  };
  const remove = (index: number) => {
    focus.current = '.jp-hpc-LaunchDialog-envAdd';
    props.onChange(old => old.filter((_, i) => i !== index));
  };

  return (
    <div className="jp-hpc-LaunchDialog-env" ref={container}>
      <div className="jp-hpc-LaunchDialog-label" id="jp-hpc-LaunchDialog-env">
        {trans.__('Environment variables')}
      </div>
      {rows.length > 0 && (
        <table
          className="jp-hpc-LaunchDialog-envTable"
          aria-labelledby="jp-hpc-LaunchDialog-env"
        >
          <thead>
            <tr>
              <th scope="col">{trans.__('Name')}</th>
              <th scope="col">{trans.__('Value')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => {
              const bad =
                row.name.trim() !== '' && !validEnvName(row.name.trim());
              const label = row.name.trim() || trans.__('row %1', index + 1);
              return (
                <tr
                  key={index}
                  className="jp-hpc-LaunchDialog-envRow"
                  data-row={index}
                >
                  <td>
                    <input
                      className={`jp-hpc-LaunchDialog-envName jp-mod-styled${bad ? ' jp-mod-invalid' : ''}`}
                      type="text"
                      value={row.name}
                      placeholder="NAME"
                      spellCheck={false}
                      autoComplete="off"
                      aria-label={trans.__('Name of variable %1', index + 1)}
                      aria-invalid={bad}
                      disabled={props.disabled}
                      onChange={event =>
                        change(index, 'name', event.target.value)
                      }
                    />
                  </td>
                  <td>
                    <input
                      className="jp-hpc-LaunchDialog-envValue jp-mod-styled"
                      type="text"
                      value={row.value}
                      placeholder={trans.__('value, $VAR and ~ expanded')}
                      spellCheck={false}
                      autoComplete="off"
                      aria-label={trans.__('Value of %1', label)}
                      disabled={props.disabled}
                      onChange={event =>
                        change(index, 'value', event.target.value)
                      }
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="jp-hpc-LaunchDialog-envRemove jp-Button jp-mod-minimal"
                      title={trans.__('Remove %1', label)}
                      aria-label={trans.__('Remove %1', label)}
                      disabled={props.disabled}
                      onClick={() => remove(index)}
                    >
                      <closeIcon.react tag="span" />
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <button
        type="button"
        className="jp-hpc-LaunchDialog-envAdd jp-mod-styled"
        disabled={props.disabled}
        onClick={add}
      >
        <addIcon.react tag="span" className="jp-hpc-LaunchDialog-envAddIcon" />
        {trans.__('Add variable')}
      </button>
    </div>
  );
}
