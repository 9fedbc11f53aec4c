import {
  type CreateFacilityRequest,
  CreateFacilityRequestSchema,
  type Facility,
  type FacilityType,
  FacilityTypeSchema,
  PREFECTURES,
} from '@mamori/contracts';
import { Checkbox, Divider, Modal, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { facilityApi } from '../api/endpoints.ts';
import { queryKeys, useRefreshAfterChange } from '../api/queries.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { FormFooter } from '../components/form-footer.tsx';
import { currentLang } from '../i18n/index.ts';
import { serverFieldErrors } from '../lib/errors.ts';
import { optionalText, validateWith } from '../lib/validation.ts';

type ContactForm = { name: string; phone: string; email: string };
type FacilityForm = {
  name: string;
  type: string | null;
  prefecture: string | null;
  contact: ContactForm;
  hasOnCall: boolean;
  onCallContact: ContactForm;
};

const emptyContact: ContactForm = { name: '', phone: '', email: '' };

const toContact = (c: ContactForm) => ({ name: c.name, phone: c.phone, email: optionalText(c.email) });

function toRequest(v: FacilityForm): CreateFacilityRequest {
  return {
    name: v.name,
    type: (v.type ?? undefined) as FacilityType,
    prefecture: v.prefecture ?? '',
    contact: toContact(v.contact),
    onCallContact: v.hasOnCall ? toContact(v.onCallContact) : undefined,
  };
}

function toForm(f: Facility | null): FacilityForm {
  if (!f) {
    return {
      name: '',
      type: null,
      prefecture: null,
      contact: { ...emptyContact },
      hasOnCall: false,
      onCallContact: { ...emptyContact },
    };
  }
  const fromContact = (c: Facility['contact']): ContactForm => ({ name: c.name, phone: c.phone, email: c.email ?? '' });
  return {
    name: f.name,
    type: f.type,
    prefecture: f.prefecture,
    contact: fromContact(f.contact),
    hasOnCall: !!f.onCallContact,
    onCallContact: f.onCallContact ? fromContact(f.onCallContact) : { ...emptyContact },
  };
}

function ContactFields({
  form,
  prefix,
  testId,
}: {
  form: UseFormReturnType<FacilityForm>;
  prefix: 'contact' | 'onCallContact';
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
      <TextInput
        label={t('facilities.form.contactName')}
        placeholder={t('facilities.form.contactNamePlaceholder')}
        required
        data-testid={`${testId}-name`}
        {...form.getInputProps(`${prefix}.name`)}
      />
      <TextInput
        label={t('facilities.form.contactPhone')}
        placeholder="022-123-4567"
        type="tel"
        required
        data-testid={`${testId}-phone`}
        {...form.getInputProps(`${prefix}.phone`)}
      />
      <TextInput
        label={t('facilities.form.contactEmail')}
        type="email"
        data-testid={`${testId}-email`}
        {...form.getInputProps(`${prefix}.email`)}
      />
    </SimpleGrid>
  );
}

/** Create or edit a facility: name, type, prefecture, the usual contact and an optional on-call contact. */
export function FacilityFormModal({
  opened,
  facility,
  onClose,
}: {
  opened: boolean;
  facility: Facility | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = currentLang();
  const refresh = useRefreshAfterChange(queryKeys.facilities);
  const form = useForm<FacilityForm>({
    initialValues: toForm(null),
    validate: validateWith(CreateFacilityRequestSchema, toRequest, t),
  });

  const save = useMutation({
    mutationFn: (req: CreateFacilityRequest) =>
      facility
        ? // Unticking the on-call box on an edit removes the stored contact.
          facilityApi.update(facility.id, { ...req, onCallContact: req.onCallContact ?? null })
        : facilityApi.create(req),
    onSuccess: (saved) => {
      refresh();
      notifications.show({
        color: 'teal',
        message: t(facility ? 'facilities.updated' : 'facilities.created', { name: saved.name }),
      });
      onClose();
    },
    onError: (err) => form.setErrors(serverFieldErrors(t, err)),
  });

  // Load the facility being edited (or a blank form) each time the modal opens.
  // biome-ignore lint/correctness/useExhaustiveDependencies: form is a new object each render
  useEffect(() => {
    if (!opened) return;
    form.setValues(toForm(facility));
    form.resetDirty(toForm(facility));
    form.clearErrors();
    save.reset();
  }, [opened, facility]);

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t(facility ? 'facilities.editTitle' : 'facilities.createTitle')}
      size="xl"
      data-testid="facility-form"
    >
      <form onSubmit={form.onSubmit((v) => save.mutate(toRequest(v)))} noValidate>
        <Stack gap="md">
          <TextInput
            label={t('facilities.form.name')}
            placeholder={t('facilities.form.namePlaceholder')}
            required
            data-autofocus
            data-testid="facility-form-name"
            {...form.getInputProps('name')}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <Select
              label={t('facilities.form.type')}
              placeholder={t('common.choose')}
              required
              data={FacilityTypeSchema.options.map((ty) => ({ value: ty, label: t(`facilityTypes.${ty}`) }))}
              allowDeselect={false}
              data-testid="facility-form-type"
              comboboxProps={{ withinPortal: true }}
              {...form.getInputProps('type')}
            />
            <Select
              label={t('facilities.form.prefecture')}
              placeholder={t('common.chooseOrType')}
              required
              searchable
              data={PREFECTURES.map((p) => ({ value: p.code, label: p[lang] }))}
              allowDeselect={false}
              nothingFoundMessage={t('common.nothingFound')}
              data-testid="facility-form-prefecture"
              {...form.getInputProps('prefecture')}
            />
          </SimpleGrid>

          <Divider label={t('facilities.form.contactSection')} labelPosition="left" />
          <Text size="xs" c="dimmed" mt={-8}>
            {t('facilities.form.contactHelp')}
          </Text>
          <ContactFields form={form} prefix="contact" testId="facility-form-contact" />

          <Divider label={t('facilities.form.onCallSection')} labelPosition="left" />
          <Checkbox
            label={t('facilities.form.onCallToggle')}
            description={t('facilities.form.onCallHelp')}
            data-testid="facility-form-oncall"
            {...form.getInputProps('hasOnCall', { type: 'checkbox' })}
          />
          {form.values.hasOnCall && <ContactFields form={form} prefix="onCallContact" testId="facility-form-oncall" />}

          <ErrorAlert error={save.error} testId="facility-form-error" overrides={{ invalid: 'errors.fixFields' }} />
          <FormFooter
            onCancel={onClose}
            submitLabel={t(facility ? 'common.save' : 'facilities.createSubmit')}
            loading={save.isPending}
            testId="facility-form-submit"
          />
        </Stack>
      </form>
    </Modal>
  );
}
