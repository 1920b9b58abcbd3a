export { EventRecorder, microTime, type EventInput, type EventRecorderOptions, type EventSubject } from './recorder.ts';
