import { Module } from '@nestjs/common';
import { DerivedIndexes } from './derived-indexes.service';

/** Imported by each module that owns a derived index; DerivedIndexes is one per application. */
@Module({ providers: [DerivedIndexes], exports: [DerivedIndexes] })
export class DerivedIndexModule {}
