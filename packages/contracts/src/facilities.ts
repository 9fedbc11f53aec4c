import { z } from 'zod';
import { IdSchema, PageQuerySchema, pageOf, TimestampSchema } from './common.ts';

/** Facility kinds and sizes used in the Miyagi survey. */
export const FacilityTypeSchema = z.enum([
  'clinic',
  'hospital_small', // < 200 beds
  'hospital_medium', // 200–399 beds
  'hospital_large', // >= 400 beds
  'care_facility',
  'pharmacy',
  'dental',
  'regional_network', // the regional network's own segments (data centre, DMZ): where its decoy servers live
]);
export type FacilityType = z.infer<typeof FacilityTypeSchema>;

/** The 47 prefectures by JIS X 0401 code (01 Hokkaido … 47 Okinawa). */
export const PrefectureCodeSchema = z
  .string()
  .regex(/^(0[1-9]|[1-3][0-9]|4[0-7])$/, 'must be a JIS prefecture code 01–47');

const ContactSchema = z.object({
  name: z.string().trim().min(1).max(100),
  phone: z
    .string()
    .trim()
    .regex(/^[0-9+\-() ]{6,20}$/, 'must be a phone number'),
  email: z.email().max(254).optional(),
});
/** A person to reach at a facility. */
export type Contact = z.infer<typeof ContactSchema>;

/** Fields a facility is created with. */
export const CreateFacilityRequestSchema = z.object({
  name: z.string().trim().min(1).max(200),
  type: FacilityTypeSchema,
  prefecture: PrefectureCodeSchema,
  contact: ContactSchema,
  onCallContact: ContactSchema.optional(),
});
export type CreateFacilityRequest = z.infer<typeof CreateFacilityRequestSchema>;

/** Partial update of a facility; `onCallContact: null` removes the on-call contact. */
export const UpdateFacilityRequestSchema = CreateFacilityRequestSchema.extend({
  onCallContact: ContactSchema.nullable(),
})
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');
export type UpdateFacilityRequest = z.infer<typeof UpdateFacilityRequestSchema>;

/** A facility as returned by the API. */
export const FacilitySchema = z.object({
  id: IdSchema,
  name: z.string(),
  type: FacilityTypeSchema,
  prefecture: PrefectureCodeSchema,
  contact: ContactSchema,
  onCallContact: ContactSchema.nullable(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type Facility = z.infer<typeof FacilitySchema>;

/** Filters for the facility list. */
export const FacilityListQuerySchema = PageQuerySchema.extend({
  type: FacilityTypeSchema.optional(),
  prefecture: PrefectureCodeSchema.optional(),
  q: z.string().trim().max(100).optional(),
});
export type FacilityListQuery = z.infer<typeof FacilityListQuerySchema>;

export const FacilityListResponseSchema = pageOf(FacilitySchema);
export type FacilityListResponse = z.infer<typeof FacilityListResponseSchema>;
