import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class EraseAccountDto {
  @ApiProperty({ description: 'Your current password, to confirm' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  password: string;
}

export class EraseReportView {
  @ApiProperty({ example: true }) erased: true;
  @ApiProperty({ description: 'Jobs removed (live ones stopped first)' }) jobs: number;
  @ApiProperty({ description: 'Contents removed, with their files' }) contents: number;
  @ApiProperty({ description: 'Audit entries that now name the user as `erased-user`' })
  auditEntriesTombstoned: number;
  @ApiProperty({ description: 'How long the erase took (ms)' }) tookMs: number;
}
