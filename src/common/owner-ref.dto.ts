import { IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** The seed's `user: { _id, email }` reference carried in some payloads. */
export class OwnerRefDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  _id: string;

  @IsOptional()
  @IsEmail()
  email?: string;
}
