export { EventRecorder, type EventInput, type EventRecorderOptions, type EventSubject } from './recorder.ts';
