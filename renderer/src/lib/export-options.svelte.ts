// The export settings form shared by the Export and Batch dialogs.
import type { ExportOptions } from '../../../app/api/contract.js';

export class ExportForm {
  format = $state<ExportOptions['format']>('same');
  quality = $state(92);
  limitSize = $state(false);
  maxSize = $state(2048);
  metadata = $state<ExportOptions['metadata']>('strip-gps');
  nameTemplate = $state('{name}-edited');

  readonly options = $derived<ExportOptions>({
    format: this.format,
    quality: this.quality,
    metadata: this.metadata,
    nameTemplate: this.nameTemplate,
    ...(this.limitSize ? { maxSize: this.maxSize } : {}),
  });

  /** What a file called IMG_0042.jpg would be named. */
  readonly example = $derived(
    `${this.nameTemplate.replaceAll('{name}', 'IMG_0042').replaceAll('{attrs}', 'smiling+0.8').replaceAll('{n}', '1')}.${this.format === 'jpeg' || this.format === 'same' ? 'jpg' : this.format}`,
  );
}
