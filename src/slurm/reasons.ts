import { TranslationBundle } from '@jupyterlab/translation';

/**
 * Why a job waits, in words: Slurm's reason code (squeue's `%r`) for the
 * common codes, the code itself for the others, and nothing for `None`.
 * The code stays in the title of whatever shows this, for searching.
 */
export function reasonText(reason: string, trans: TranslationBundle): string {
  if (!reason || reason === 'None') {
    return '';
  }
  const words = Private.words(trans)[reason];
  return words ?? reason;
}

namespace Private {
  /** The common reason codes (slurm.schedmd.com/job_reason_codes.html). */
  export function words(trans: TranslationBundle): {
    [code: string]: string | undefined;
  } {
    return {
      Resources: trans.__('waiting for resources'),
      Priority: trans.__('waiting for higher-priority jobs'),
      Dependency: trans.__('waiting for the jobs it depends on'),
      DependencyNeverSatisfied: trans.__(
        'its dependency can never be met: it will not start'
      ),
      BeginTime: trans.__('waiting for its start time'),
      JobHeldUser: trans.__('held by you'),
      JobHeldAdmin: trans.__('held by an administrator'),
      'launch failed requeued held': trans.__(
        'its launch failed: requeued and held'
      ),
      JobArrayTaskLimit: trans.__(
        'the array runs as many tasks at once as it allows'
      ),
      QOSMaxJobsPerUserLimit: trans.__(
        'you run as many jobs as your QoS allows'
      ),
      QOSMaxSubmitJobPerUserLimit: trans.__(
        'you have as many jobs queued as your QoS allows'
      ),
      QOSMaxCpuPerUserLimit: trans.__(
        'your jobs use as many CPUs as your QoS allows'
      ),
      QOSMaxGRESPerUser: trans.__(
        'your jobs use as many GPUs as your QoS allows'
      ),
      QOSMaxWallDurationPerJobLimit: trans.__(
        "its time limit is above its QoS's: it will not start"
      ),
      QOSGrpCpuLimit: trans.__("the QoS's CPUs are all in use"),
      QOSGrpGRES: trans.__("the QoS's GPUs are all in use"),
      QOSGrpNodeLimit: trans.__("the QoS's nodes are all in use"),
      QOSResourceLimit: trans.__('a limit of its QoS is reached'),
      AssocGrpCpuLimit: trans.__("your account's CPU limit is reached"),
      AssocGrpGRES: trans.__("your account's GPU limit is reached"),
      AssocGrpMemLimit: trans.__("your account's memory limit is reached"),
      AssocGrpNodeLimit: trans.__("your account's node limit is reached"),
      AssocGrpJobsLimit: trans.__(
        "your account's running-job limit is reached"
      ),
      AssocMaxJobsLimit: trans.__(
        'you run as many jobs as your account allows'
      ),
      AssocGrpCPUMinutesLimit: trans.__("your account's CPU hours are used up"),
      AssocGrpBillingMinutes: trans.__("your account's hours are used up"),
      ReqNodeNotAvail: trans.__(
        'a node it needs is unavailable (down, drained or reserved)'
      ),
      NodeDown: trans.__('a node it needs is down'),
      PartitionTimeLimit: trans.__(
        "its time limit is above the partition's: it will not start"
      ),
      PartitionNodeLimit: trans.__(
        'it asks for more nodes than the partition allows'
      ),
      PartitionDown: trans.__('its partition is down'),
      PartitionInactive: trans.__('its partition is inactive'),
      Reservation: trans.__('waiting for its reservation'),
      Licenses: trans.__('waiting for licenses'),
      BadConstraints: trans.__('no node has the features it asks for'),
      InvalidAccount: trans.__('its account is not valid'),
      InvalidQOS: trans.__('its QoS is not valid'),
      Cleaning: trans.__('being cleaned up before it can run again'),
      Prolog: trans.__('running its prolog'),
      NodeBoot: trans.__('waiting for its nodes to boot'),
      Configuring: trans.__('its nodes are being set up')
    };
  }
}
