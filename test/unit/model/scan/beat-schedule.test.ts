/**
 * The longest gap between two publishes of a Celery beat schedule, read from Python source text.
 */
import { describe, expect, it } from 'vitest';
import { beatScheduleGap, publishGapText } from '../../../../model/scan/beat-schedule.js';

const gap = (text: string, command?: string[]) =>
  beatScheduleGap([{ path: 'proj/celery.py', text }], command);
const minutes = (text: string) => gap(text).gapMinutes;

const HEAD = [
  'from datetime import timedelta',
  'from celery import Celery',
  'from celery.schedules import crontab, schedule, solar',
  "app = Celery('proj', broker='redis://redis:6379/0')",
  '',
].join('\n');

describe('beatScheduleGap', () => {
  it('an interval in seconds, with arithmetic, comments and nested arguments', () => {
    const r = gap(
      HEAD +
        [
          'app.conf.beat_schedule = {',
          "    # every ten minutes, '}' in a comment",
          "    'add-every-10-minutes': {",
          "        'task': 'tasks.add',",
          "        'schedule': 10 * 60.0,  # seconds",
          "        'args': (16, {'x': [1, 2]}),",
          "        'options': {'queue': \"a}'b\"},",
          '    },',
          '}',
        ].join('\n'),
    );
    expect(r.gapMinutes).toBe(10);
    expect(r.reason).toMatch(/read 1 entry of its beat schedule from proj\/celery\.py/);
    expect(r.reason).toMatch(/'add-every-10-minutes' every 10m/);
  });

  it('timedelta, rounded up to whole minutes and at least 5', () => {
    expect(
      minutes("beat_schedule = {'a': {'task': 't', 'schedule': timedelta(hours=2, minutes=30)}}"),
    ).toBe(150);
    expect(
      minutes("beat_schedule = {'a': {'task': 't', 'schedule': timedelta(seconds=601)}}"),
    ).toBe(11);
    expect(minutes("beat_schedule = {'a': {'task': 't', 'schedule': datetime.timedelta(1)}}")).toBe(
      1440,
    );
    expect(minutes("beat_schedule = {'a': {'task': 't', 'schedule': 30.0}}")).toBe(5);
    expect(
      minutes(
        "beat_schedule = {'a': {'task': 't', 'schedule': schedule(run_every=timedelta(hours=3))}}",
      ),
    ).toBe(180);
  });

  it('crontab every 15 minutes, every 3 hours, daily, weekdays and weekly', () => {
    const cron = (args: string) =>
      minutes(`beat_schedule = {'a': {'task': 't', 'schedule': crontab(${args})}}`);
    expect(cron('')).toBe(5); // every minute
    expect(cron("minute='*/15'")).toBe(15);
    expect(cron("minute=0, hour='*/3'")).toBe(180);
    expect(cron('minute=0, hour=7')).toBe(1440);
    expect(cron("minute=30, hour='7,19'")).toBe(720);
    // Monday to Friday at 7: Friday 7:00 to Monday 7:00 is three days.
    expect(cron("minute=0, hour=7, day_of_week='mon-fri'")).toBe(3 * 1440);
    expect(cron("0, 0, day_of_week='sunday'")).toBe(7 * 1440);
    expect(cron('hour=7')).toBe(23 * 60 + 1); // every minute of 7 o'clock
    // The 1st of each month: 31 days at most.
    expect(cron("minute=0, hour=0, day_of_month='1'")).toBe(31 * 1440);
  });

  it('a crontab in a timezone with daylight saving time gets the hour a change adds', () => {
    const daily = "beat_schedule = {'a': {'task': 't', 'schedule': crontab(minute=0, hour=7)}}\n";
    expect(minutes(daily + "app.conf.timezone = 'UTC'\n")).toBe(1440);
    const r = gap(daily + "app.conf.update(timezone='Europe/Berlin')\n");
    expect(r.gapMinutes).toBe(1500);
    expect(r.reason).toMatch(
      /1h more as the timezone Europe\/Berlin may have daylight saving time/,
    );
    // Django's TIME_ZONE in another settings file counts too; intervals are not moved by it.
    const settings = { path: 'shop/settings.py', text: "TIME_ZONE = 'America/New_York'\n" };
    expect(beatScheduleGap([{ path: 'c.py', text: daily }, settings]).gapMinutes).toBe(1500);
    const every = "beat_schedule = {'a': {'task': 't', 'schedule': 3600}}\n";
    expect(beatScheduleGap([{ path: 'c.py', text: every }, settings]).gapMinutes).toBe(60);
  });

  it('all entries together: the longest gap of the whole schedule', () => {
    const text = [
      'CELERY_BEAT_SCHEDULE = {',
      "    'nightly': {'task': 'a', 'schedule': crontab(minute=0, hour=3)},",
      "    'often': dict(task='b', schedule=timedelta(minutes=10)),",
      '}',
    ].join('\n');
    expect(beatScheduleGap([{ path: 'shop/settings.py', text }]).gapMinutes).toBe(10);
    // Twice a day each, at 7 and 19 and at 1 and 13: six hours apart together.
    expect(
      minutes(
        [
          'app.conf.update(',
          '    timezone="UTC",',
          '    beat_schedule={',
          '        "day": {"task": "a", "schedule": crontab(minute=0, hour="7,19")},',
          '        "night": {"task": "b", "schedule": crontab(minute=0, hour="1,13")},',
          '    },',
          ')',
        ].join('\n'),
      ),
    ).toBe(6 * 60);
  });

  it('add_periodic_task in on_after_configure, with names defined elsewhere', () => {
    const r = beatScheduleGap([
      {
        path: 'proj/celery.py',
        text:
          HEAD +
          [
            'from .intervals import HOURLY',
            '@app.on_after_configure.connect',
            'def setup_periodic_tasks(sender, **kwargs):',
            "    sender.add_periodic_task(HOURLY, ping.s('hello'), name='ping hourly')",
            "    sender.add_periodic_task(crontab(hour=7, minute=30, day_of_week=1), report.s(), name='weekly')",
          ].join('\n'),
      },
      { path: 'proj/intervals.py', text: 'HOURLY = 60 * 60\n' },
    ]);
    expect(r.gapMinutes).toBe(60);
    expect(r.reason).toMatch(/'ping hourly' every 1h/);
    // Alone, the weekly entry leaves a week.
    expect(
      minutes(
        '@app.on_after_configure.connect\ndef s(sender, **kw):\n    sender.add_periodic_task(schedule=crontab(0, 7, day_of_week=1), sig=r.s())\n',
      ),
    ).toBe(7 * 1440);
  });

  it('entries added with [...] = and update(...)', () => {
    const text = [
      "app.conf.beat_schedule = {'a': {'task': 'a', 'schedule': crontab(minute=0, hour=2)}}",
      "app.conf.beat_schedule['b'] = {'task': 'b', 'schedule': crontab(minute=0, hour=18)}",
      "app.conf.beat_schedule.update({'c': {'task': 'c', 'schedule': crontab(minute=0, hour=10)}})",
    ].join('\n');
    expect(minutes(text)).toBe(8 * 60); // at 2, 10 and 18
    // An entry named by a variable is still one entry.
    expect(
      minutes(
        "KEY = 'nightly'\nbeat_schedule = {}\nbeat_schedule[KEY] = {'task': 'a', 'schedule': crontab(0, 3)}",
      ),
    ).toBe(1440);
    // Celery's own scheduler named explicitly reads the schedule in the code.
    expect(
      gap("beat_schedule = {'a': {'task': 't', 'schedule': 600}}", [
        'celery',
        'beat',
        '--scheduler=celery.beat:PersistentScheduler',
      ]).gapMinutes,
    ).toBe(10);
  });

  it('what it cannot read gives no gap and says why', () => {
    const none = (text: string, why: RegExp, command?: string[]) => {
      const r = gap(text, command);
      expect(r.gapMinutes, text).toBeUndefined();
      expect(r.reason).toMatch(why);
    };
    none('app = Celery("proj")\n', /no beat schedule found/);
    none(
      "beat_schedule = {'sun': {'task': 't', 'schedule': solar('sunset', -37.81, 144.96)}}",
      /solar\(\) schedule .*proj\/celery\.py:1/,
    );
    none(
      "beat_schedule = {'a': {'task': 't', 'schedule': crontab(minute='5/15')}}",
      /crontab minute='5\/15'/,
    );
    none(
      "beat_schedule = {'a': {'task': 't', 'schedule': crontab.from_string('0 * * * *')}}",
      /not read/,
    );
    none('beat_schedule = build_schedule()', /not a dict literal/);
    none("beat_schedule = {k: {'task': k, 'schedule': 60} for k in TASKS}", /not a dict literal/);
    none("beat_schedule = {'a': {'task': 't', 'schedule': EVERY}}", /EVERY/);
    none(
      "beat_schedule = {'a': {'task': 't', 'schedule': crontab(minute=0, hour=0, day_of_month=1, day_of_week='mon')}}",
      /both day_of_week and day_of_month/,
    );
    none("beat_schedule = {'a': {'task': 't', 'schedule': 60}}", /django_celery_beat/, [
      'celery',
      '-A',
      'proj',
      'beat',
      '-S',
      'django_celery_beat.schedulers:DatabaseScheduler',
    ]);
    none(
      "CELERY_BEAT_SCHEDULER = 'django_celery_beat.schedulers:DatabaseScheduler'\nCELERY_BEAT_SCHEDULE = {'a': {'task': 't', 'schedule': 60}}",
      /django_celery_beat/,
    );
    none(
      "beat_schedule = {'a': {'task': 't', 'schedule': 60}}\nbeat_schedule.pop('a')",
      /beat_schedule is changed/,
    );
    none('beat_schedule = {}', /empty/);
    const two = beatScheduleGap([
      {
        path: 'settings/dev.py',
        text: "CELERY_BEAT_SCHEDULE = {'a': {'task': 't', 'schedule': 60}}",
      },
      {
        path: 'settings/prod.py',
        text: "CELERY_BEAT_SCHEDULE = {'a': {'task': 't', 'schedule': 3600}}",
      },
    ]);
    expect(two.gapMinutes).toBeUndefined();
    expect(two.reason).toMatch(/several places \(settings\/dev\.py:1, settings\/prod\.py:1\)/);
  });

  it('writes a gap as days, hours or minutes', () => {
    expect(publishGapText(1440)).toBe('1d');
    expect(publishGapText(180)).toBe('3h');
    expect(publishGapText(1381)).toBe('1381m');
  });
});
