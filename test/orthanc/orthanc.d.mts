// Types of test/orthanc/orthanc.mjs, for the tests (TypeScript reads a .mjs module's types from .d.mts).

/** Plugins startOrthanc() can load: 'dicomweb' serves DICOMweb at /dicom-web/ (and WADO-URI at /wado). */
export type OrthancPlugin = 'dicomweb';

export interface OrthancOptions {
  /** Plugins to load; default ['dicomweb']. No other plugin is ever loaded. */
  plugins?: OrthancPlugin[];
  /** Copy Orthanc's log (its stdout and stderr) to this process's stderr; default false. */
  log?: boolean;
}

/** What Orthanc answers to `POST /instances`, plus the instance's three UIDs. */
export interface UploadedInstance {
  /** Orthanc's identifier of the instance (for the REST API: `/instances/{ID}`). */
  ID: string;
  ParentPatient: string;
  ParentStudy: string;
  ParentSeries: string;
  Path: string;
  /** 'Success'; an upload with the SOP Instance UID of a stored instance replaces it (OverwriteInstances). */
  Status: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  SOPInstanceUID: string;
  [key: string]: unknown;
}

export interface Orthanc {
  /** Origin, without a trailing slash: `http://127.0.0.1:PORT`. */
  url: string;
  /** The REST API's root, with a trailing slash: `http://127.0.0.1:PORT/` (so `restUrl + 'instances'`). */
  restUrl: string;
  /** DICOMweb's root, with a trailing slash: `http://127.0.0.1:PORT/dicom-web/`; served only with the 'dicomweb' plugin. */
  dicomWebUrl: string;
  port: number;
  /** The Orthanc process's pid. */
  pid: number;
  /** POSTs one Part 10 file to `/instances` and returns Orthanc's answer with the instance's UIDs. */
  upload(bytes: Uint8Array): Promise<UploadedInstance>;
  /** upload() of each file, one at a time, answers in the order of `paths`. */
  uploadFiles(paths: readonly string[]): Promise<UploadedInstance[]>;
  /** Kills Orthanc and deletes its temp folder; idempotent. */
  stop(): Promise<void>;
}

export interface OrthancAvailability {
  ok: boolean;
  /** Why not, when `ok` is false. */
  reason?: string;
}

/** Whether Orthanc ($ORTHANC, /usr/sbin/Orthanc or on PATH) and the plugins ($ORTHANC_PLUGINS or /usr/share/orthanc/plugins) are here. */
export declare function orthancAvailable(options?: { plugins?: OrthancPlugin[] }): OrthancAvailability;
/** Starts a throw-away Orthanc on loopback; resolves once it answers `GET /system`. */
export declare function startOrthanc(options?: OrthancOptions): Promise<Orthanc>;
/** startOrthanc(options), fn(orthanc), then stop() whether fn returns or throws. */
export declare function withOrthanc<T>(fn: (orthanc: Orthanc) => T | Promise<T>, options?: OrthancOptions): Promise<T>;
