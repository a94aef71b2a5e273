/** The Failures row: the operations failing most, and the alerts firing now. */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  SPAN_KIND_CONSUMER,
  SPAN_KIND_PRODUCER,
  SPAN_KIND_SERVER,
  SPAN_LABELS,
} from '../../model/conventions.js';
import { jaegerSearchUrl } from '../common.js';
import { table } from '../panels.js';
import { activeAlerts, spanRed } from '../queries.js';
import type { OverviewFacts } from './facts.js';
import { SVC } from './lines.js';

const OP = SPAN_LABELS.operation;
const KIND = SPAN_LABELS.kind;

/** What one span of each kind is: a word for its row, and a text for the description. */
function kindNames(f: OverviewFacts): {
  words: Record<string, string>;
  texts: Record<string, string>;
} {
  return {
    words: {
      [SPAN_KIND_SERVER]: 'request',
      [SPAN_KIND_CONSUMER]: f.consumed.word,
      [SPAN_KIND_PRODUCER]: 'published task',
    },
    texts: {
      [SPAN_KIND_SERVER]: 'request (server spans of web services)',
      [SPAN_KIND_CONSUMER]: `${f.consumed.word} (consumer spans of workers)`,
      [SPAN_KIND_PRODUCER]: 'published task (producer spans of schedulers)',
    },
  };
}

/**
 * One list, ranked by failures whatever their kind, as the question is what fails most now (two
 * lists would each hide how the other's worst compares). With workers or schedulers, a Kind
 * column (the span kind, grouped by) says what each row is, as an operation's name may not: a
 * Kafka consumer's `orders process` is a message, not a request. A web-only list stays as it was.
 */
function topFailingOperations(f: OverviewFacts): cog.Builder<dashboard.Panel> {
  const failedHeader = `Failed ${f.nouns.toLowerCase()}`;
  const kinds = kindNames(f);
  const failing: {
    by: string[];
    description: string;
    labelTexts: Record<string, Record<string, string>>;
  } = f.webOnly
    ? {
        by: [SVC, OP],
        description: `The ten operations with the most failed server spans in the time range.`,
        labelTexts: {},
      }
    : {
        by: [SVC, OP, KIND],
        description: `The ten operations with the most failed spans in the time range, ranked together whatever their kind. Kind: ${f.kinds.map((k) => kinds.texts[k]!).join(', ')}.`,
        labelTexts: { [KIND]: Object.fromEntries(f.kinds.map((k) => [k, kinds.words[k]!])) },
      };
  return table(
    'Top failing operations',
    `${failing.description} Click one for its failed traces.`,
    [
      {
        header: failedHeader,
        expr: `topk(10, ${spanRed(...f.select.all).errorsIncrease(failing.by, '$__range')} > 0)`,
        unit: 'short',
      },
    ],
    {
      labels: failing.by,
      labelHeaders: {
        [SVC]: 'Service',
        [OP]: 'Operation',
        ...(f.webOnly ? {} : { [KIND]: 'Kind' }),
      },
      labelTexts: failing.labelTexts,
      sortBy: failedHeader,
      span: 12,
      links: [
        {
          title: 'Failed traces',
          url: `${jaegerSearchUrl('${__data.fields.Service}', '${__data.fields.Operation:percentencode}')}&tags=%7B%22error%22%3A%22true%22%7D`,
        },
      ],
    },
  );
}

function activeAlertsTable(): cog.Builder<dashboard.Panel> {
  return table(
    'Active alerts',
    'Alerts firing now, and pending ones whose condition holds but has not lasted long enough yet (the ALERTS series of the alert rules).',
    [{ header: 'Active', expr: activeAlerts(), unit: 'short' }],
    { labels: [], allLabelsBut: ['__name__'], sortBy: 'alertstate', span: 12 },
  );
}

export function failurePanels(f: OverviewFacts): cog.Builder<dashboard.Panel>[] {
  return [topFailingOperations(f), activeAlertsTable()];
}
